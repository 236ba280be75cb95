using System.Diagnostics;
using System.Net;
using System.Text.Json;
using Task = System.Threading.Tasks.Task;

namespace StmFhir.Gateway.Tests.Exchange;

public sealed partial class SmartBackendServicesTests
{
    [Fact]
    public async Task LongPushWithShortLivedTokens_DeliversEverySession_WithOneTokenFetchPerLifetime()
    {
        const int lifetime = 3;
        // 16 sessions half a second apart by default; STMFHIR_SMART_PUSH_SESSIONS=N posts N as fast as 4 clients can, for a longer measured run.
        var sessions = int.TryParse(Environment.GetEnvironmentVariable("STMFHIR_SMART_PUSH_SESSIONS"), out var n) && n > 16 ? n : 16;
        var gateway = Gateway([Rsa(_keys)]);
        await SmartOnAsync(gateway, tokenLifetimeSeconds: lifetime);
        var client = gateway.RealClient();

        // Sessions keep arriving for several token lifetimes, so tokens expire while the push goes on.
        var clock = Stopwatch.StartNew();
        if (sessions == 16)
        {
            for (var i = 0; i < sessions; i++)
            {
                await PostAsync(client, $"STM-SMART-L{i:D5}");
                await Task.Delay(500);
            }
        }
        else
        {
            var next = -1;
            await Task.WhenAll(Enumerable.Range(0, 4).Select(async _ =>
            {
                for (int i; (i = Interlocked.Increment(ref next)) < sessions;)
                {
                    await PostAsync(client, $"STM-SMART-L{i:D5}");
                }
            }));
        }
        var status = await WaitForAsync(client, Counts(delivered: sessions, dead: 0), TimeSpan.FromSeconds(60 + sessions / 2));
        var elapsed = clock.Elapsed;

        var stats = await PeerSmartStatsAsync();
        var fetched = stats.GetProperty("tokensIssued").GetInt32();
        // Renewed a tenth of a lifetime early: at most one token per 0.9 lifetimes, plus the first.
        var ceiling = (int)Math.Ceiling(elapsed.TotalSeconds / (0.9 * lifetime)) + 1;
        output.WriteLine($"{sessions} sessions over {elapsed.TotalSeconds:0.0} s with {lifetime} s tokens: {fetched} token fetches at the peer (ceiling {ceiling})");
        Assert.InRange(fetched, 3, ceiling);
        Assert.Equal(0, stats.GetProperty("fhirUnauthorized").GetInt32()); // never sent an expired token
        Assert.Equal(sessions, await PeerCountAsync("Procedure"));
        var auth = Auth(status);
        Assert.Equal("SmartBackendServices", auth.GetProperty("kind").GetString());
        Assert.Equal(fetched, auth.GetProperty("tokensFetched").GetInt32());
        Assert.Equal("v2", auth.GetProperty("scopeSyntax").GetString()); // the peer advertises permission-v2
        Assert.Contains("system/Procedure.crus", auth.GetProperty("scope").GetString(), StringComparison.Ordinal);
        Assert.EndsWith("/auth/token", auth.GetProperty("tokenEndpoint").GetString(), StringComparison.Ordinal); // discovered
        Assert.Equal(SmartKeyFiles.RsaKeyId, auth.GetProperty("keyId").GetString());
        Assert.Equal(JsonValueKind.Null, auth.GetProperty("lastError").ValueKind);
        AssertNoSecretsLogged(gateway);
    }

    [Fact]
    public async Task TokenRevokedDuringThePush_IsDroppedAndFetchedAgainOnce_AndNoRowFails()
    {
        var gateway = Gateway([Ec(_keys)]);
        await SmartOnAsync(gateway);
        var client = gateway.RealClient();
        await PostAsync(client, "STM-SMART-R1");
        await WaitForAsync(client, Counts(delivered: 1, dead: 0));

        await peer.RevokeTokensAsync(); // the token the gateway holds is now refused, long before its expires_in
        await PostAsync(client, "STM-SMART-R2");
        await PostAsync(client, "STM-SMART-R3");

        await WaitForAsync(client, Counts(delivered: 3, dead: 0));
        var stats = await PeerSmartStatsAsync();
        Assert.Equal(2, stats.GetProperty("tokensIssued").GetInt32());
        Assert.Equal(1, stats.GetProperty("fhirUnauthorized").GetInt32()); // one 401, answered by one new token
        Assert.Equal(3, await PeerCountAsync("Procedure"));
    }

    [Fact]
    public async Task PullWithSmartOn_ReadsThePeerWithTheGatewaysToken()
    {
        var gateway = Gateway([Rsa(_keys)], pull: true);
        await SmartOnAsync(gateway);
        var client = gateway.RealClient();
        await PostAsync(client, "STM-SMART-P1");

        // Pushed, then pulled back and recognised: the pull's searches carried a token the peer accepted.
        var status = await WaitForAsync(client, s => Counts(1, 0)(s) && s.GetProperty("pulls").EnumerateArray().Any(p =>
            p.GetProperty("lastCounts").ValueKind == JsonValueKind.Object && p.GetProperty("lastCounts").GetProperty("unchanged").GetInt32() == 1));
        var pull = Assert.Single(status.GetProperty("pulls").EnumerateArray());
        Assert.Equal(JsonValueKind.Null, pull.GetProperty("lastError").ValueKind);
        Assert.Equal(1, (await PeerSmartStatsAsync()).GetProperty("tokensIssued").GetInt32()); // push and pull share it
    }

    [Fact]
    public async Task RotatedKey_NewKeySignsWhileBothArePublished_AndThePeerAcceptsIt()
    {
        var port = FreePort();
        var before = Gateway([Rsa(_keys)], port);
        await SmartOnAsync(before);
        var client = before.RealClient();
        await PostAsync(client, "STM-SMART-K1");
        await WaitForAsync(client, Counts(delivered: 1, dead: 0));
        await before.StopAsync();

        // The overlap: the new EC key first (it signs), the old RSA key second (still published).
        var during = Gateway([Ec(_keys), Rsa(_keys)], port);
        client = during.RealClient();
        using (var jwks = JsonDocument.Parse(await client.GetStringAsync("/.well-known/jwks.json")))
        {
            var kids = jwks.RootElement.GetProperty("keys").EnumerateArray().Select(k => k.GetProperty("kid").GetString()).ToList();
            Assert.Equal([SmartKeyFiles.EcKeyId, SmartKeyFiles.RsaKeyId], kids);
        }
        await PostAsync(client, "STM-SMART-K2");
        var status = await WaitForAsync(client, Counts(delivered: 1, dead: 0));
        Assert.Equal(SmartKeyFiles.EcKeyId, Auth(status).GetProperty("keyId").GetString());
        await during.StopAsync();

        // After the overlap only the new key is left.
        var after = Gateway([Ec(_keys)], port);
        client = after.RealClient();
        await PostAsync(client, "STM-SMART-K3");
        await WaitForAsync(client, Counts(delivered: 1, dead: 0));

        Assert.Equal(3, (await PeerSmartStatsAsync()).GetProperty("tokensIssued").GetInt32());
        Assert.Equal(3, await PeerCountAsync("Procedure"));
    }

    [Fact]
    public async Task WrongAudience_IsRefusedAsInvalidClient_DeadLettersTheRow_AndTheStatusSaysWhy()
    {
        // The assertion's aud is the configured endpoint; the peer expects its own token URL without the query.
        var tokenUrl = new Uri(peer.BaseUrl, "/auth/token?tenant=elsewhere");
        var gateway = Gateway([Rsa(_keys)], auth: new() { ["TokenEndpoint"] = tokenUrl.ToString(), ["Scope"] = "system/*.cruds" });
        await SmartOnAsync(gateway);
        var client = gateway.RealClient();
        await PostAsync(client, "STM-SMART-A1");

        var status = await WaitForAsync(client, Counts(delivered: 0, dead: 1));
        var dead = Assert.Single(status.GetProperty("dead").EnumerateArray());
        Assert.Contains("invalid_client", dead.GetProperty("message").GetString(), StringComparison.Ordinal);
        var error = Auth(status).GetProperty("lastError");
        Assert.Equal("invalid_client", error.GetProperty("code").GetString());
        Assert.False(error.GetProperty("transient").GetBoolean());
        Assert.Contains("aud", error.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Equal("configured", Auth(status).GetProperty("scopeSyntax").GetString());
        var stats = await PeerSmartStatsAsync();
        Assert.Equal(0, stats.GetProperty("tokensIssued").GetInt32());
        Assert.Equal(0, await PeerCountAsync("Procedure"));
        AssertNoSecretsLogged(gateway);
    }

    [Fact]
    public async Task ScopeTheServerDoesNotAllow_IsInvalidScope_AndDeadLettersTheRow()
    {
        var gateway = Gateway([Rsa(_keys)]);
        await SmartOnAsync(gateway, extra: ""","scopes":["system/Procedure.rs"]""");
        var client = gateway.RealClient();
        await PostAsync(client, "STM-SMART-S1");

        var status = await WaitForAsync(client, Counts(delivered: 0, dead: 1));
        var error = Auth(status).GetProperty("lastError");
        Assert.Equal("invalid_scope", error.GetProperty("code").GetString());
        Assert.Contains("Auth:Scope", error.GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ServerClockTenMinutesAhead_IsClockSkew_RowsWaitInsteadOfDying_AndArriveOnceClocksAgree()
    {
        var gateway = Gateway([Rsa(_keys)]);
        await SmartOnAsync(gateway);
        await peer.SmartAsync("""{"clockOffsetSeconds":600}""");
        var client = gateway.RealClient();
        await PostAsync(client, "STM-SMART-C1");

        var status = await WaitForAsync(client, s => Auth(s).GetProperty("lastError") is { ValueKind: JsonValueKind.Object } e
            && e.GetProperty("code").GetString() == "clock_skew");
        Assert.True(Auth(status).GetProperty("lastError").GetProperty("transient").GetBoolean());
        // The Date header has whole seconds: 599 to 601 s ahead.
        Assert.Matches(@"clock is \+(599|600|601) s from ours", Auth(status).GetProperty("lastError").GetProperty("message").GetString());
        await Task.Delay(1000);
        var waiting = (await StatusAsync(client)).GetProperty("targets").EnumerateArray().Single(t => t.GetProperty("target").GetString() == "peer");
        Assert.Equal(0, waiting.GetProperty("dead").GetInt32()); // backed off, not dead-lettered
        Assert.Equal(0, waiting.GetProperty("delivered").GetInt32());

        await peer.SmartAsync("""{"clockOffsetSeconds":0}""");
        status = await WaitForAsync(client, Counts(delivered: 1, dead: 0));
        Assert.Equal(JsonValueKind.Null, Auth(status).GetProperty("lastError").ValueKind);
    }

    [Fact]
    public async Task Jwks_ListsThePublicPartOfEveryKey_AnonymouslyAndNothingPrivate()
    {
        var gateway = Gateway([Rsa(_keys), Ec(_keys)]);
        using var anonymous = gateway.RealClient(key: null);

        using var response = await anonymous.GetAsync("/.well-known/jwks.json");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        using var jwks = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var keys = jwks.RootElement.GetProperty("keys").EnumerateArray().ToList();
        Assert.Equal(2, keys.Count);
        Assert.Equal(["alg", "e", "kid", "kty", "n", "use"], keys[0].EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal));
        Assert.Equal(["alg", "crv", "kid", "kty", "use", "x", "y"], keys[1].EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal));
        Assert.Equal("RS384", keys[0].GetProperty("alg").GetString());
        Assert.Equal("ES384", keys[1].GetProperty("alg").GetString());
    }
}
