using System.Net;
using System.Text.Json.Nodes;
using StmFhir.Tests.Shared.Fuzz;

namespace StmFhir.Gateway.Tests.Hostile;

/// <summary>One main gateway per storage for the whole suite class, started on first use and again after a crash.</summary>
public sealed class HostileGatewayHost : IAsyncLifetime
{
    private readonly SemaphoreSlim _lock = new(1, 1);
    private HostileGateway? _main;

    internal async Task<HostileGateway> MainAsync(Func<Task<IReadOnlyDictionary<string, string>>> storage)
    {
        await _lock.WaitAsync();
        try
        {
            _main ??= await HostileGateway.StartAsync(await storage());
            await _main.EnsureRunningAsync();
            return _main;
        }
        finally
        {
            _lock.Release();
        }
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        if (_main is not null)
        {
            await _main.DisposeAsync();
        }
    }
}

/// <summary>
/// Issue 12's hostile inputs, one test per class with the issue's minimal input, through the real HTTP stack (the built
/// gateway as a process), each asserting what must be true: a 4xx OperationOutcome naming the element (or 200 with
/// error issues at $validate), the process alive afterwards, bounded memory and time, the headers, the scopes, and
/// duplicates handled deterministically. Run on SQLite and PostgreSQL by the two classes deriving from it.
/// </summary>
public abstract partial class HostileInputSuite(HostileGatewayHost host)
{
    /// <summary>Storage variables for a new gateway (a fresh folder or schema each call).</summary>
    protected abstract Task<IReadOnlyDictionary<string, string>> NewStorageAsync();

    /// <summary>Runs SQL against the gateway's own database (for breaking it on purpose).</summary>
    protected abstract Task ExecuteSqlAsync(HostileGateway gateway, string sql);

    /// <summary>The suite's shared gateway (running).</summary>
    protected Task<HostileGateway> GatewayAsync() => host.MainAsync(NewStorageAsync);

    /// <summary>A gateway of the test's own, for tests that break it, load it, or need other settings; dispose it.</summary>
    protected async Task<HostileGateway> DedicatedAsync(Dictionary<string, string>? settings = null) =>
        await HostileGateway.StartAsync(await NewStorageAsync(), settings);

    /// <summary>A valid standalone resource of the fuzz corpus (e.g. <c>Observation-integer</c>, <c>Patient</c>).</summary>
    protected static JsonObject Resource(string key) =>
        FuzzCorpus.OfKind(SeedKind.Resource).Single(s => s.Name.EndsWith("#" + key, StringComparison.Ordinal)).Json.DeepClone().AsObject();

    /// <summary>A Patient with <paramref name="mrn"/> that validates.</summary>
    protected static string Patient(string id, string mrn, string family = "Hostile") => new JsonObject
    {
        ["resourceType"] = "Patient",
        ["id"] = id,
        ["identifier"] = new JsonArray(new JsonObject { ["system"] = "https://example-hospital.org/mrn", ["value"] = mrn }),
        ["name"] = new JsonArray(new JsonObject { ["family"] = family, ["given"] = new JsonArray("Canary") }),
        ["gender"] = "female",
        ["birthDate"] = "1984-06-17",
    }.ToJsonString();

    protected static string UniqueId(string prefix) => $"{prefix}-{Guid.NewGuid():N}"[..Math.Min(prefix.Length + 13, 60)];

    /// <summary>
    /// A refusal: a 4xx in <paramref name="statuses"/> (any 4xx when empty), an OperationOutcome with no stack trace, that
    /// names one of <paramref name="names"/> (the element, parameter or setting at fault). Returns the body.
    /// </summary>
    protected static async Task<string> AssertRefusedAsync(HttpResponseMessage response, string[] names, params HttpStatusCode[] statuses)
    {
        var body = await response.Content.ReadAsStringAsync();
        var status = (int)response.StatusCode;
        Assert.True(statuses.Length == 0 ? status is >= 400 and < 500 : statuses.Contains(response.StatusCode),
            $"{response.RequestMessage?.Method} {response.RequestMessage?.RequestUri?.AbsolutePath}: expected {(statuses.Length == 0 ? "a 4xx" : string.Join(" or ", statuses.Select(s => (int)s)))}, got {status}: {Short(body)}");
        AssertOutcome(response, body);
        Assert.True(names.Any(n => body.Contains(n, StringComparison.Ordinal)), $"the OperationOutcome names none of {string.Join(", ", names)}: {Short(body)}");
        return body;
    }

    /// <summary>At $validate: 200 with an error issue naming one of <paramref name="names"/>, or a 4xx refusal naming it.</summary>
    protected static async Task AssertValidationErrorAsync(HttpResponseMessage response, params string[] names)
    {
        if (response.StatusCode != HttpStatusCode.OK)
        {
            await AssertRefusedAsync(response, names);
            return;
        }
        var body = await response.Content.ReadAsStringAsync();
        AssertOutcome(response, body);
        var issues = JsonNode.Parse(body)!["issue"]!.AsArray().Select(i => i!).ToList();
        Assert.True(issues.Any(i => i["severity"]?.GetValue<string>() is "error" or "fatal" && names.Any(n => i.ToJsonString().Contains(n, StringComparison.Ordinal))),
            $"no error issue names {string.Join(" or ", names)}: {Short(body)}");
    }

    private static void AssertOutcome(HttpResponseMessage response, string body)
    {
        Assert.StartsWith("application/fhir+json", response.Content.Headers.ContentType?.ToString() ?? "(none)");
        Assert.Contains("\"OperationOutcome\"", body, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", body, StringComparison.Ordinal);
    }

    protected static string Short(string text) => text.Length <= 1500 ? text : text[..1500] + $"... ({text.Length} chars)";

    /// <summary>
    /// Every FHIR endpoint that reads a resource body, with the body for it: the resource as is (its type in the URL when
    /// it is a kept type, else Patient), with the URL's id for an update, inside a transaction, a batch and a collection
    /// Bundle, and as a contained resource.
    /// </summary>
    protected static IReadOnlyList<(string Name, HttpMethod Method, string Path, string Body)> ResourceEndpoints(JsonNode resource)
    {
        var type = resource["resourceType"] is JsonValue v && v.TryGetValue<string>(out var t) && FuzzCorpus.KeptTypes.Contains(t) ? t : "Patient";
        var withId = resource.DeepClone();
        withId["id"] = "hostile-1";
        return
        [
            ("$validate", HttpMethod.Post, "/fhir/$validate", resource.ToJsonString()),
            ($"{type}/$validate", HttpMethod.Post, $"/fhir/{type}/$validate", resource.ToJsonString()),
            ("create", HttpMethod.Post, $"/fhir/{type}", resource.ToJsonString()),
            ("update", HttpMethod.Put, $"/fhir/{type}/hostile-1", withId.ToJsonString()),
            ("transaction", HttpMethod.Post, "/fhir", Wrap(withId, "transaction", "PUT", $"{type}/hostile-1")),
            ("batch", HttpMethod.Post, "/fhir", Wrap(resource, "batch", "POST", type)),
            ("Bundle entry at $validate", HttpMethod.Post, "/fhir/$validate", Wrap(resource, "collection", null, null)),
            ("contained at $validate", HttpMethod.Post, "/fhir/$validate", new JsonObject
            {
                ["resourceType"] = "Patient", ["contained"] = new JsonArray(resource.DeepClone()),
            }.ToJsonString()),
        ];
    }

    protected static string Wrap(JsonNode resource, string type, string? method, string? url)
    {
        var entry = new JsonObject { ["fullUrl"] = "urn:uuid:0f0e0d0c-0b0a-4909-8807-060504030201", ["resource"] = resource.DeepClone() };
        if (method is not null)
        {
            entry["request"] = new JsonObject { ["method"] = method, ["url"] = url };
        }
        return new JsonObject { ["resourceType"] = "Bundle", ["type"] = type, ["entry"] = new JsonArray(entry) }.ToJsonString();
    }

    /// <summary>
    /// Sends <paramref name="resource"/> to every endpoint: $validate must answer with an error naming one of
    /// <paramref name="names"/> (200 or 4xx), every other endpoint a 4xx naming it; a batch may also answer 200 with the
    /// entry refused. The process must live through all of it.
    /// </summary>
    protected static async Task AssertRefusedEverywhereAsync(HostileGateway gateway, JsonNode resource, params string[] names)
    {
        foreach (var (name, method, path, body) in ResourceEndpoints(resource))
        {
            using var response = await gateway.SendAsync(method, path, HostileGateway.Body(body, "application/fhir+json"));
            if (path.EndsWith("$validate", StringComparison.Ordinal))
            {
                await AssertValidationErrorAsync(response, names);
            }
            else if (name == "batch" && response.StatusCode == HttpStatusCode.OK)
            {
                var entryStatus = JsonNode.Parse(await response.Content.ReadAsStringAsync())!["entry"]![0]!["response"]!["status"]!.GetValue<string>();
                Assert.True(entryStatus.StartsWith('4'), $"batch entry answered {entryStatus}");
            }
            else
            {
                await AssertRefusedAsync(response, names);
            }
        }
        await gateway.AssertAliveAsync();
    }
}
