using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using StmFhir.Tests.Shared;

namespace StmFhir.Gateway.Tests.Hostile;

/// <summary>Protocol and headers: BOM, body limit, throttling, host, cache and sniffing headers, correlation id, messages, offsets, XML.</summary>
public abstract partial class HostileInputSuite
{
    private static readonly byte[] s_bom = [0xEF, 0xBB, 0xBF];

    [Fact]
    public async Task BodyStartingWithAByteOrderMark_IsReadTheSameEverywhere()
    {
        var gateway = await GatewayAsync();
        var id = UniqueId("bom");
        byte[] Bom(string text) => [.. s_bom, .. Encoding.UTF8.GetBytes(text)];

        using var session = await gateway.SendAsync(HttpMethod.Post, "/stm/sessions", HostileGateway.Body(Bom(SessionJson.Text(UniqueId("STM-BOM"), mrn: UniqueId("MRN-BOM"))), "application/json"));
        using var validate = await gateway.SendAsync(HttpMethod.Post, "/fhir/$validate", HostileGateway.Body(Bom(Patient(id, id)), "application/fhir+json"));
        using var create = await gateway.SendAsync(HttpMethod.Post, "/fhir/Patient", HostileGateway.Body(Bom(Patient(id, id).Replace($"\"id\":\"{id}\",", "", StringComparison.Ordinal)), "application/fhir+json"));
        using var update = await gateway.SendAsync(HttpMethod.Put, $"/fhir/Patient/{id}", HostileGateway.Body(Bom(Patient(id, UniqueId("MRN-BOM2"))), "application/fhir+json"));
        using var transaction = await gateway.SendAsync(HttpMethod.Post, "/fhir", HostileGateway.Body(Bom(Wrap(JsonNode.Parse(Patient(id + "t", UniqueId("MRN-BOM3")))!, "transaction", "PUT", $"Patient/{id}t")), "application/fhir+json"));

        foreach (var response in new[] { session, validate, create, update, transaction })
        {
            Assert.True(response.IsSuccessStatusCode, $"{response.RequestMessage!.RequestUri!.AbsolutePath}: {(int)response.StatusCode} {Short(await response.Content.ReadAsStringAsync())}");
        }
    }

    /// <summary>The limit counts the body's bytes, not chunked framing: 900 KB in 16-byte chunks (about 1.4 MB on the wire) under a 1 MB limit is read.</summary>
    [Fact]
    public async Task ChunkedBodyUnderTheLimit_IsReadWhateverItsFraming()
    {
        var gateway = await GatewayAsync();
        var patient = JsonNode.Parse(Patient("chunky", "chunky"))!;
        patient["text"] = new JsonObject { ["status"] = "generated", ["div"] = $"<div xmlns=\"http://www.w3.org/1999/xhtml\">{new string('c', 900_000)}</div>" };
        var body = Encoding.UTF8.GetBytes(patient.ToJsonString());

        var answer = await RawHttp.PostChunkedAsync(gateway.Url, "/fhir/$validate", HostileGateway.ReadWriteKey, "application/fhir+json", body, chunkSize: 16);

        Assert.True(answer.Status == 200, $"answered {answer.Status}: {Short(answer.Body)}");
        var over = await RawHttp.PostChunkedAsync(gateway.Url, "/fhir/$validate", HostileGateway.ReadWriteKey, "application/fhir+json",
            [.. body, .. Encoding.UTF8.GetBytes(new string(' ', HostileSettings.BodyLimit - body.Length + 1))], chunkSize: 64 * 1024);
        Assert.Equal(413, over.Status);
    }

    [Fact]
    public async Task FailedCredentials_AreThrottledPerClientAddress()
    {
        await using var gateway = await DedicatedAsync();
        var statuses = new List<int>();

        for (var i = 0; i < 400 && !statuses.Contains(429); i++)
        {
            using var response = await gateway.GetAsync("/fhir/Patient?_count=1", key: $"wrong-key-{i:D5}-guessing");
            statuses.Add((int)response.StatusCode);
            if (response.StatusCode == HttpStatusCode.TooManyRequests)
            {
                await AssertRefusedAsync(response, ["many", "later", "attempt", "credential"]);
            }
        }

        Assert.Contains(429, statuses);
        Assert.All(statuses, s => Assert.True(s is 401 or 429, $"answered {s}"));
    }

    /// <summary>With a configured public base URL, no absolute URL comes from the Host header (or the host is refused).</summary>
    [Fact]
    public async Task ForeignHostHeader_NeverAppearsInUrlsTheGatewayWrites()
    {
        var gateway = await GatewayAsync();
        var id = UniqueId("host");
        void Foreign(HttpRequestMessage m) => m.Headers.Host = "attacker.example";
        var answers = new List<HttpResponseMessage>
        {
            await gateway.SendAsync(HttpMethod.Post, "/fhir/Patient", HostileGateway.Body(Patient(id, id).Replace($"\"id\":\"{id}\",", "", StringComparison.Ordinal), "application/fhir+json"), configure: Foreign),
            await gateway.SendAsync(HttpMethod.Post, "/stm/sessions", HostileGateway.Body(SessionJson.Text(UniqueId("STM-HOST"), mrn: UniqueId("MRN-HOST")), "application/json"), configure: Foreign),
            await gateway.SendAsync(HttpMethod.Get, "/fhir/Patient?_count=1", configure: Foreign),
            await gateway.SendAsync(HttpMethod.Get, "/fhir/metadata", configure: Foreign),
            await gateway.SendAsync(HttpMethod.Get, "/openapi/v1.json", configure: Foreign),
        };

        Assert.True((int)answers[0].StatusCode is 400 or 421 || answers[0].Headers.Location?.ToString().StartsWith(HostileSettings.PublicBase, StringComparison.Ordinal) == true,
            $"create's Location {answers[0].Headers.Location} is not under {HostileSettings.PublicBase}");
        foreach (var response in answers)
        {
            var text = response.Headers.ToString() + await response.Content.ReadAsStringAsync();
            Assert.True((int)response.StatusCode is 400 or 421 || !text.Contains("attacker.example", StringComparison.OrdinalIgnoreCase),
                $"{response.RequestMessage!.RequestUri!.AbsolutePath} copied the Host header: {Short(text)}");
            response.Dispose();
        }
    }

    [Fact]
    public async Task AnswersWithPatientData_CarryNoStoreAndNosniffAndNoServerHeader()
    {
        var gateway = await GatewayAsync();
        var id = UniqueId("hdr");
        using var put = await gateway.PutAsync($"/fhir/Patient/{id}", Patient(id, id));
        using var read = await gateway.GetAsync($"/fhir/Patient/{id}");
        using var search = await gateway.GetAsync($"/fhir/Patient?_id={id}");
        using var session = await gateway.PostAsync("/stm/sessions", SessionJson.Text(UniqueId("STM-HDR"), mrn: UniqueId("MRN-HDR")), "application/json");
        using var error = await gateway.GetAsync("/fhir/Patient/does-not-exist");

        foreach (var response in new[] { put, read, search, session, error })
        {
            var where = $"{response.RequestMessage!.Method} {response.RequestMessage.RequestUri!.AbsolutePath}";
            Assert.True(response.Headers.CacheControl?.NoStore == true, $"{where}: Cache-Control is '{response.Headers.CacheControl}'");
            Assert.True(response.Headers.TryGetValues("X-Content-Type-Options", out var sniff) && sniff.Contains("nosniff"), $"{where}: no X-Content-Type-Options: nosniff");
            Assert.False(response.Headers.Contains("Server"), $"{where}: Server: {string.Join(",", response.Headers.Server)}");
        }
    }

    /// <summary>A 500 (here: the store's table gone under the gateway) still carries the caller's correlation id, in the header and the outcome.</summary>
    [Fact]
    public async Task ServerError_KeepsTheCorrelationIdHeader()
    {
        await using var gateway = await DedicatedAsync();
        await ExecuteSqlAsync(gateway, "ALTER TABLE resources RENAME TO resources_gone");

        using var response = await gateway.SendAsync(HttpMethod.Get, "/fhir/Patient/anything", configure: m => m.Headers.Add("X-Correlation-Id", "hostile-corr-0001"));

        Assert.True((int)response.StatusCode >= 500, $"expected a server error, got {(int)response.StatusCode}");
        Assert.True(response.Headers.TryGetValues("X-Correlation-Id", out var ids) && ids.Single() == "hostile-corr-0001", "no X-Correlation-Id on the 500");
        Assert.Contains("hostile-corr-0001", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        await gateway.AssertAliveAsync();
    }

    [Fact]
    public async Task LongBadValue_IsShortenedInTheMessage()
    {
        var gateway = await GatewayAsync();
        var longValue = new string('7', 900_000);
        var patient = $$"""{"resourceType":"Patient","birthDate":"{{longValue}}","gender":"{{longValue[..1000]}}x"}""";

        using var create = await gateway.PostAsync("/fhir/Patient", patient);
        using var validate = await gateway.PostAsync("/fhir/$validate", patient);

        await AssertRefusedAsync(create, ["birthDate", "gender"]);
        foreach (var response in new[] { create, validate })
        {
            var length = (await response.Content.ReadAsStringAsync()).Length;
            Assert.True(length < 20_000, $"{response.RequestMessage!.RequestUri!.AbsolutePath}: a {length}-character answer to a bad value");
        }
    }

    [Theory]
    [InlineData("2147483647")]
    [InlineData("2147483600")]
    public async Task OffsetNearTheIntegerLimit_GivesNoNegativeOffset(string offset)
    {
        var gateway = await GatewayAsync();

        using var response = await gateway.GetAsync($"/fhir/Patient?_offset={offset}&_count=200");

        var body = await response.Content.ReadAsStringAsync();
        if (response.StatusCode == HttpStatusCode.BadRequest)
        {
            await AssertRefusedAsync(response, ["_offset"]);
            return;
        }
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.DoesNotContain("_offset=-", body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Utf16Xml_IsReadAtValidateAsAtCreate()
    {
        var gateway = await GatewayAsync();
        var id = UniqueId("utf16");
        var xml = $"<?xml version=\"1.0\" encoding=\"UTF-16\"?><Patient xmlns=\"http://hl7.org/fhir\"><id value=\"{id}\"/><gender value=\"female\"/></Patient>";
        byte[] Utf16() => [.. Encoding.Unicode.GetPreamble(), .. Encoding.Unicode.GetBytes(xml)];

        using var validate = await gateway.SendAsync(HttpMethod.Post, "/fhir/$validate", HostileGateway.Body(Utf16(), "application/fhir+xml"));
        using var update = await gateway.SendAsync(HttpMethod.Put, $"/fhir/Patient/{id}", HostileGateway.Body(Utf16(), "application/fhir+xml"));

        var outcome = await validate.Content.ReadAsStringAsync();
        Assert.True(validate.StatusCode == HttpStatusCode.OK, $"$validate: {(int)validate.StatusCode} {Short(outcome)}");
        Assert.DoesNotContain("\"fatal\"", outcome, StringComparison.Ordinal);
        Assert.True(update.IsSuccessStatusCode, $"update: {(int)update.StatusCode}");
    }
}
