using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json.Nodes;
using StmFhir.Tests.Shared;

namespace StmFhir.Gateway.Tests.Hostile;

/// <summary>The classes of input that gave 5xx: each now a 4xx naming the element (or an error issue at $validate).</summary>
public abstract partial class HostileInputSuite
{
    [Theory]
    [InlineData("""{"resourceType":"Observation","extension":[null]}""", "extension")]
    [InlineData("""{"resourceType":"Patient","name":[null]}""", "name")]
    [InlineData("""{"resourceType":"Patient","identifier":[{"system":"urn:x","value":"1"},null]}""", "identifier")]
    [InlineData("""{"resourceType":"Patient","meta":{"profile":[null]}}""", "profile")]
    public async Task NullInsideAnArray_IsRefusedNamingTheElement(string json, string element)
    {
        await AssertRefusedEverywhereAsync(await GatewayAsync(), JsonNode.Parse(json)!, element);
    }

    [Theory]
    [InlineData("""{"resourceType":"Patient","name":[{"given":["a",null],"_given":[{"id":"x"},null]}]}""")]
    [InlineData("""{"resourceType":"Patient","name":[{"given":["a"],"_given":[{"id":"x"},{"id":"y"},{"id":"z"}]}]}""")]
    [InlineData("""{"resourceType":"Patient","name":[{"given":["a","b","c"],"_given":[{"id":"x"}]}]}""")]
    [InlineData("""{"resourceType":"Patient","name":[{"given":["a"],"_given":[1,"x",true,[]]}]}""")]
    [InlineData("""{"resourceType":"Patient","name":[{"given":["a"],"_given":{"id":"x"}}]}""")]
    [InlineData("""{"resourceType":"Patient","name":[{"given":["a"],"_given":[{"extension":[null,3]}]}]}""")]
    public async Task PrimitiveExtensionArrayThatDoesNotMatchItsValues_IsRefusedNamingTheElement(string json)
    {
        await AssertRefusedEverywhereAsync(await GatewayAsync(), JsonNode.Parse(json)!, "given");
    }

    [Theory]
    [InlineData("""{"resourceType":"Patient","meta":{"profile":[0]}}""", "profile")]
    [InlineData("""{"resourceType":"Patient","extension":[{"url":9223372036854775808,"valueString":"x"}]}""", "url")]
    [InlineData("""{"resourceType":"Patient","gender":42}""", "gender")]
    [InlineData("""{"resourceType":"Patient","name":{"family":"x"}}""", "name")]
    [InlineData("""{"resourceType":"Patient","active":"true"}""", "active")]
    [InlineData("""{"resourceType":"Patient","birthDate":{"value":"1984-06-17"}}""", "birthDate")]
    [InlineData("""{"resourceType":"Patient","identifier":[["urn:x"]]}""", "identifier")]
    public async Task ValueOfTheWrongJsonType_IsRefusedNamingTheElement(string json, string element)
    {
        await AssertRefusedEverywhereAsync(await GatewayAsync(), JsonNode.Parse(json)!, element);
    }

    [Theory]
    [InlineData("""{"resourceType":"Patient","identifier":[{"":"x"}]}""")]
    [InlineData("""{"resourceType":"Patient","":"x"}""")]
    [InlineData("""{"resourceType":"Patient","name":[{"_":{"id":"x"}}]}""")]
    public async Task EmptyPropertyName_IsRefusedEverywhere(string json)
    {
        await AssertRefusedEverywhereAsync(await GatewayAsync(), JsonNode.Parse(json)!, "\"\"", "empty", "name", "property", "_");
    }

    /// <summary>Dates FHIR allows at the calendar's ends are stored, indexed (clamped if need be) and read back exactly.</summary>
    [Theory]
    [InlineData("9999-12-31T23:59:59+14:00", "ge9999-01-01")]
    [InlineData("9999-12-31T23:59:59-14:00", "ge9999-01-01")]
    [InlineData("9999", "ge9999")]
    [InlineData("0001-01-01T00:00:00+14:00", "lt0002")]
    [InlineData("0001", "lt0002")]
    public async Task DateAtTheCalendarsEnd_IsStoredIndexedAndReadBackOnCreateUpdateAndTransaction(string date, string search)
    {
        var gateway = await GatewayAsync();
        var ids = new List<string>();
        foreach (var way in new[] { "create", "update", "transaction" })
        {
            var observation = Resource("Observation-integer");
            observation.Remove("effectivePeriod");
            observation["effectiveDateTime"] = date;
            var id = UniqueId("edge-" + way);
            observation["id"] = id;
            observation["identifier"]![0]!["value"] = id;
            using var response = way switch
            {
                "create" => await gateway.PostAsync("/fhir/Observation", observation.ToJsonString()),
                "update" => await gateway.PutAsync($"/fhir/Observation/{id}", observation.ToJsonString()),
                _ => await gateway.PostAsync("/fhir", Wrap(observation, "transaction", "PUT", $"Observation/{id}")),
            };
            var body = await response.Content.ReadAsStringAsync();
            Assert.True(response.IsSuccessStatusCode, $"{way} of effectiveDateTime {date}: {(int)response.StatusCode} {Short(body)}");
            if (way == "create")
            {
                var segments = response.Headers.Location!.AbsolutePath.Split('/');
                id = segments[Array.IndexOf(segments, "Observation") + 1];
            }
            ids.Add(id);
            using var read = await gateway.GetAsync($"/fhir/Observation/{id}");
            Assert.Equal(date, JsonNode.Parse(await read.Content.ReadAsStringAsync())!["effectiveDateTime"]!.GetValue<string>());
        }
        using var found = await gateway.GetAsync($"/fhir/Observation?date={Uri.EscapeDataString(search)}&_count=200");
        var bundle = await found.Content.ReadAsStringAsync();
        Assert.True(found.StatusCode == HttpStatusCode.OK, Short(bundle));
        Assert.All(ids, id => Assert.Contains(id, bundle, StringComparison.Ordinal));
        await gateway.AssertAliveAsync();
    }

    /// <summary>A session on the last day of year 9999, its last measurement at the calendar's last second.</summary>
    [Theory]
    [InlineData("Z")]
    [InlineData("+14:00")]
    public async Task SessionAtTheCalendarsEnd_IsAccepted(string offset)
    {
        var gateway = await GatewayAsync();
        var session = SessionJson.Create(UniqueId("STM-EDGE"), mrn: UniqueId("MRN-EDGE"));
        session["painScores"]![1]!["takenAt"] = "2026-03-02T23:59:59+01:00";
        var text = session.ToJsonString().Replace("2026-03-02T", "9999-12-31T", StringComparison.Ordinal).Replace("+01:00", offset, StringComparison.Ordinal);

        using var response = await gateway.PostAsync("/stm/sessions", text, "application/json");

        Assert.True(response.StatusCode == HttpStatusCode.Created, $"{(int)response.StatusCode}: {Short(await response.Content.ReadAsStringAsync())}");
        await gateway.AssertAliveAsync();
    }

    [Theory]
    [InlineData("_lastUpdated=0000")]
    [InlineData("_lastUpdated=ge10000-01-01")]
    [InlineData("date=0000-01-01")]
    [InlineData("date=-0001")]
    public async Task SearchDateOutsideTheCalendar_Is400NamingTheParameter(string query)
    {
        var gateway = await GatewayAsync();

        using var response = await gateway.GetAsync("/fhir/Observation?" + query);

        await AssertRefusedAsync(response, [query.Split('=')[0]], HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task LongIdList_IsAnsweredInASearchAndInABatch()
    {
        var gateway = await GatewayAsync();
        var ids = string.Join(',', Enumerable.Range(0, 1000).Select(i => "i" + i));
        var many = string.Join(',', Enumerable.Range(0, 5000).Select(i => "i" + i));

        using var search = await gateway.GetAsync("/fhir/Observation?_id=" + ids);
        using var batch = await gateway.PostAsync("/fhir", new JsonObject
        {
            ["resourceType"] = "Bundle",
            ["type"] = "batch",
            ["entry"] = new JsonArray(new JsonObject { ["request"] = new JsonObject { ["method"] = "GET", ["url"] = "Observation?_id=" + many } }),
        }.ToJsonString());

        Assert.True(search.StatusCode == HttpStatusCode.OK || (int)search.StatusCode is 400 or 414, $"search: {(int)search.StatusCode}");
        if (search.StatusCode != HttpStatusCode.OK)
        {
            await AssertRefusedAsync(search, ["_id"]);
        }
        var entry = JsonNode.Parse(await batch.Content.ReadAsStringAsync())!["entry"]?[0]?["response"]?["status"]?.GetValue<string>() ?? $"batch {(int)batch.StatusCode}";
        Assert.True(entry.StartsWith("200", StringComparison.Ordinal) || entry.StartsWith("400", StringComparison.Ordinal), $"batch entry: {entry}");
        await gateway.AssertAliveAsync();
    }

    [Fact]
    public async Task OverflowingChunkSize_Is400AndTheProcessLives()
    {
        var gateway = await GatewayAsync();
        using var client = new TcpClient();
        await client.ConnectAsync(gateway.Url.Host, gateway.Url.Port);
        var stream = client.GetStream();
        var request = $"POST /fhir/$validate HTTP/1.1\r\nHost: {gateway.Url.Authority}\r\nX-Api-Key: {HostileGateway.ReadWriteKey}\r\n"
            + "Content-Type: application/fhir+json\r\nTransfer-Encoding: chunked\r\n\r\nFFFFFFFFFFFFFFFFFFFF\r\n{\"resourceType\":\"Patient\"}\r\n0\r\n\r\n";

        await stream.WriteAsync(Encoding.ASCII.GetBytes(request));
        var answer = await RawHttp.ReadStatusAsync(stream);

        Assert.True(answer.Status is >= 400 and < 500, $"answered {answer.Status}: {answer.Head}");
        await gateway.AssertAliveAsync();
    }
}
