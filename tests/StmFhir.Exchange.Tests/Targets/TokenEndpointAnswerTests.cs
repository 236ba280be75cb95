using StmFhir.Exchange.Targets.Authentication;

namespace StmFhir.Exchange.Tests.Targets;

/// <summary>What the gateway makes of a token endpoint's answers, and of a server's smart-configuration.</summary>
public sealed class TokenEndpointAnswerTests
{
    private static readonly DateTimeOffset Now = new(2026, 1, 5, 9, 0, 0, TimeSpan.Zero);

    [Theory]
    [InlineData(400, """{"error":"invalid_client","error_description":"unexpected \"aud\" claim value"}""", "invalid_client", false)]
    [InlineData(400, """{"error":"invalid_scope"}""", "invalid_scope", false)]
    [InlineData(401, "not json", "refused", false)]
    [InlineData(400, """{"error":"invalid_client","error_description":"\"exp\" claim timestamp check failed"}""", "clock_skew", true)]
    [InlineData(503, "", "unavailable", true)]
    [InlineData(429, """{"error":"slow_down"}""", "slow_down", true)]
    public void Refusal_IsClassifiedAsDeadLetterOrBackOff(int status, string body, string code, bool transient)
    {
        var error = Assert.Throws<TokenRequestException>(() => TokenEndpointAnswer.Read(status, body, Now, Now));

        Assert.Equal(code, error.Error);
        Assert.Equal(transient, error.IsTransient);
    }

    [Fact]
    public void RefusalFromAServerWhoseClockIsFarFromOurs_IsClockSkew_WithTheDifference()
    {
        var error = Assert.Throws<TokenRequestException>(() =>
            TokenEndpointAnswer.Read(400, """{"error":"invalid_client"}""", Now.AddMinutes(-7), Now));

        Assert.Equal("clock_skew", error.Error);
        Assert.True(error.IsTransient);
        Assert.Contains("-420 s", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ErrorDescription_IsCutShortAndStrippedOfControlCharacters()
    {
        var body = $$"""{"error":"invalid_client","error_description":"bad\n{{new string('x', 1000)}}"}""";

        var error = Assert.Throws<TokenRequestException>(() => TokenEndpointAnswer.Read(400, body, null, Now));

        Assert.DoesNotContain("\n", error.Message, StringComparison.Ordinal);
        Assert.True(error.Message.Length < 600, error.Message);
    }

    [Fact]
    public void IssuedToken_KeepsItsLifetimeAndGrantedScope()
    {
        var token = TokenEndpointAnswer.Read(200, """{"access_token":"abc.def","token_type":"bearer","expires_in":120,"scope":"system/Procedure.rs"}""", null, Now);

        Assert.Equal(("abc.def", TimeSpan.FromSeconds(120), "system/Procedure.rs"), (token.AccessToken, token.Lifetime, token.Scope));
    }

    [Theory]
    [InlineData("""{"token_endpoint":"https://a.example/t","capabilities":["permission-v2"]}""", true)]
    [InlineData("""{"token_endpoint":"https://a.example/t","scopes_supported":["system/Observation.rs"]}""", true)]
    [InlineData("""{"token_endpoint":"https://a.example/t","scopes_supported":["system/*.read","system/*.*"],"capabilities":["permission-v1"]}""", false)]
    [InlineData("""{"token_endpoint":"https://a.example/t"}""", false)]
    public void ScopeSyntax_IsChosenFromTheAdvertisedCapabilities(string json, bool v2)
    {
        var configuration = SmartConfiguration.Read(json);

        Assert.Equal(new Uri("https://a.example/t"), configuration.TokenEndpoint);
        Assert.Equal(v2, configuration.V2Scopes);
        var scope = SmartConfiguration.DefaultScope(configuration.V2Scopes);
        Assert.Contains(v2 ? "system/Procedure.crus" : "system/Procedure.write", scope, StringComparison.Ordinal);
        Assert.DoesNotContain(v2 ? ".write" : ".crus", scope, StringComparison.Ordinal);
    }

    [Fact]
    public void CacheRenewsATenthOfALifetimeEarly_AtMostThirtySeconds()
    {
        Assert.Equal(TimeSpan.FromMilliseconds(400), AccessTokenCache.RenewMargin(TimeSpan.FromSeconds(4)));
        Assert.Equal(TimeSpan.FromSeconds(30), AccessTokenCache.RenewMargin(TimeSpan.FromHours(1)));
    }
}
