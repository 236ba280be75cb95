using System.Net;
using System.Text;
using Microsoft.Extensions.Time.Testing;
using StmFhir.Exchange.Targets;
using StmFhir.Exchange.Targets.Authentication;

namespace StmFhir.Exchange.Tests.Targets;

/// <summary>
/// The OAuth2 token cache. The token endpoint is an in-process handler: the peer has no OAuth2 server, and what is
/// tested here is the cache's timing, not FHIR exchange.
/// </summary>
public sealed class ClientCredentialsTokenSourceTests
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2025, 3, 14, 9, 0, 0, TimeSpan.Zero));
    private readonly TokenEndpoint _endpoint = new();

    [Fact]
    public async Task TokenIsFetchedOnceAndReusedUntilShortlyBeforeItExpires()
    {
        var source = Source();

        var first = await source.GetTokenAsync(CancellationToken.None);
        _time.Advance(TimeSpan.FromSeconds(3600) - ClientCredentialsTokenSource.RenewBefore - TimeSpan.FromSeconds(1));
        var cached = await source.GetTokenAsync(CancellationToken.None);
        _time.Advance(TimeSpan.FromSeconds(2));
        var renewed = await source.GetTokenAsync(CancellationToken.None);

        Assert.Equal("token-1", first);
        Assert.Equal("token-1", cached);
        Assert.Equal("token-2", renewed);
        Assert.Equal(2, _endpoint.Requests.Count);
        var request = _endpoint.Requests[0];
        Assert.Equal("Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes("stmfhir:s%3Acret")), request.Authorization);
        Assert.Equal("grant_type=client_credentials&scope=system%2F%2A.write", request.Body);
    }

    [Fact]
    public async Task ConcurrentCallersShareOneTokenRequest()
    {
        var source = Source();

        var tokens = await Task.WhenAll(Enumerable.Range(0, 10).Select(_ => source.GetTokenAsync(CancellationToken.None).AsTask()));

        Assert.All(tokens, t => Assert.Equal("token-1", t));
        Assert.Single(_endpoint.Requests);
    }

    [Fact]
    public async Task RefusedTokenIsForgottenSoTheNextRequestGetsANewOne()
    {
        var source = Source();
        var first = await source.GetTokenAsync(CancellationToken.None);

        source.Invalidate(first!);

        Assert.Equal("token-2", await source.GetTokenAsync(CancellationToken.None));
    }

    [Fact]
    public async Task TokenEndpointRefusalIsAPermanentTokenRequestException()
    {
        _endpoint.Status = HttpStatusCode.Unauthorized;

        var error = await Assert.ThrowsAsync<TokenRequestException>(() => Source().GetTokenAsync(CancellationToken.None).AsTask());

        Assert.False(error.IsTransient);
    }

    private ClientCredentialsTokenSource Source() => new(new Factory(_endpoint), "token", new FhirTargetAuthOptions
    {
        Kind = FhirTargetAuthKind.ClientCredentials,
        TokenEndpoint = new Uri("https://auth.example.org/token"),
        ClientId = "stmfhir",
        ClientSecret = "s:cret",
        Scope = "system/*.write",
    }, _time);

    private sealed class Factory(HttpMessageHandler handler) : IHttpClientFactory
    {
        public HttpClient CreateClient(string name) => new(handler, disposeHandler: false);
    }

    private sealed class TokenEndpoint : HttpMessageHandler
    {
        private int _issued;

        public HttpStatusCode Status { get; set; } = HttpStatusCode.OK;

        public List<(string? Authorization, string Body)> Requests { get; } = [];

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var body = await request.Content!.ReadAsStringAsync(cancellationToken);
            lock (Requests)
            {
                Requests.Add((request.Headers.Authorization?.ToString(), body));
            }
            await Task.Delay(20, cancellationToken);
            var token = $"token-{Interlocked.Increment(ref _issued)}";
            return new HttpResponseMessage(Status)
            {
                Content = new StringContent($$"""{"access_token":"{{token}}","token_type":"Bearer","expires_in":3600}""", Encoding.UTF8, "application/json"),
            };
        }
    }
}
