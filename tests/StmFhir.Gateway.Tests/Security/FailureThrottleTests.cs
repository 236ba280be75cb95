using System.Diagnostics;
using System.Net;
using StmFhir.Gateway.Tests.Infrastructure;
using Task = System.Threading.Tasks.Task;

namespace StmFhir.Gateway.Tests.Security;

/// <summary>
/// Failed credentials are counted per client address on real Kestrel (clients bound to 127.0.0.2, .3, .4): past the
/// limit the address gets 429 with Retry-After, even for a good credential, until its window has passed; other
/// addresses and requests without a credential are not held back, and successful requests do not count.
/// </summary>
public sealed class FailureThrottleTests : IAsyncLifetime
{
    private const string WrongKey = "not-a-key-of-this-gateway";

    private readonly KestrelGatewayFactory _factory = new();

    public FailureThrottleTests()
    {
        _factory.Settings["Authentication:FailureThrottle:FailuresPerWindow"] = "3";
        _factory.Settings["Authentication:FailureThrottle:Window"] = "00:00:02";
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _factory.DisposeAsync();

    [Fact]
    public async Task BadKeysFromOneAddress_Get429_OtherAddressesStillWork_AndTheAddressRecoversAfterTheWindow()
    {
        var attacker = IPAddress.Parse("127.0.0.2");
        using var guessing = _factory.RealClient(WrongKey, attacker);
        using var goodFromAttacker = _factory.RealClient(GatewayFactory.ReadWriteKey, attacker);
        using var anonymousFromAttacker = _factory.RealClient(null, attacker);
        using var goodElsewhere = _factory.RealClient(GatewayFactory.ReadWriteKey, IPAddress.Parse("127.0.0.3"));
        using var badElsewhere = _factory.RealClient(WrongKey, IPAddress.Parse("127.0.0.3"));

        for (var i = 0; i < 3; i++)
        {
            await (await guessing.GetAsync("/fhir/Patient")).AssertOutcomeAsync(HttpStatusCode.Unauthorized);
        }
        var throttled = await guessing.GetAsync("/fhir/Patient");
        var outcome = await throttled.AssertOutcomeAsync(HttpStatusCode.TooManyRequests);
        var retryAfter = throttled.Headers.RetryAfter?.Delta;

        Assert.Equal(Hl7.Fhir.Model.OperationOutcome.IssueType.Throttled, outcome.Issue[0].Code);
        Assert.InRange(retryAfter!.Value, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(2));
        Assert.True(throttled.Headers.Contains("X-Correlation-Id"));
        await (await goodFromAttacker.GetAsync("/fhir/Patient")).AssertOutcomeAsync(HttpStatusCode.TooManyRequests);
        Assert.Equal(HttpStatusCode.OK, (await anonymousFromAttacker.GetAsync("/fhir/metadata")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await goodElsewhere.GetAsync("/fhir/Patient")).StatusCode);
        await (await badElsewhere.GetAsync("/fhir/Patient")).AssertOutcomeAsync(HttpStatusCode.Unauthorized);

        var clock = Stopwatch.StartNew();
        await Task.Delay(retryAfter.Value);
        HttpStatusCode status;
        while ((status = (await goodFromAttacker.GetAsync("/fhir/Patient")).StatusCode) == HttpStatusCode.TooManyRequests && clock.Elapsed < TimeSpan.FromSeconds(10))
        {
            await Task.Delay(100);
        }
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.InRange(clock.Elapsed, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(8));
    }

    [Fact]
    public async Task BadJwts_CountLikeBadKeys()
    {
        var address = IPAddress.Parse("127.0.0.5");
        var otherKey = Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes("another-signing-key-of-more-than-32-bytes"));
        using var client = _factory.RealClient(null, address);
        client.DefaultRequestHeaders.Authorization = new("Bearer", TestTokens.Create("stmfhir.read", signingKeyBase64: otherKey));

        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 4; i++)
        {
            statuses.Add((await client.GetAsync("/fhir/Patient")).StatusCode);
        }

        Assert.Equal([HttpStatusCode.Unauthorized, HttpStatusCode.Unauthorized, HttpStatusCode.Unauthorized, HttpStatusCode.TooManyRequests], statuses);
    }

    [Fact]
    public async Task SuccessfulAndForbiddenRequests_DoNotCount()
    {
        var address = IPAddress.Parse("127.0.0.4");
        using var good = _factory.RealClient(GatewayFactory.ReadWriteKey, address);
        using var writeOnly = _factory.RealClient(GatewayFactory.WriteOnlyKey, address);
        using var bad = _factory.RealClient(WrongKey, address);

        for (var i = 0; i < 20; i++)
        {
            Assert.Equal(HttpStatusCode.OK, (await good.GetAsync("/fhir/Patient")).StatusCode);
            Assert.Equal(HttpStatusCode.Forbidden, (await writeOnly.GetAsync("/fhir/Patient")).StatusCode);
        }

        for (var i = 0; i < 3; i++)
        {
            await (await bad.GetAsync("/fhir/Patient")).AssertOutcomeAsync(HttpStatusCode.Unauthorized);
        }
    }
}
