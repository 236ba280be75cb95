using System.Net;
using System.Text.Json.Nodes;
using StmFhir.Tests.Shared;

namespace StmFhir.Gateway.Tests.Hostile;

/// <summary>Scopes hold on every write path; identifiers the intake matches on stay usable.</summary>
public abstract partial class HostileInputSuite
{
    /// <summary>A write-only credential's conditional create finds the existing Patient: Location and status only, no body.</summary>
    [Fact]
    public async Task WriteOnlyConditionalCreateOfAnExistingPatient_AnswersWithoutTheStoredBody()
    {
        var gateway = await GatewayAsync();
        var id = UniqueId("canary");
        var mrn = UniqueId("MRN-CANARY");
        using var stored = await gateway.PutAsync($"/fhir/Patient/{id}", Patient(id, mrn, "Canaryfamily"));
        Assert.True(stored.IsSuccessStatusCode);

        using var response = await gateway.SendAsync(HttpMethod.Post, "/fhir/Patient",
            HostileGateway.Body(Patient("other", mrn, "Otherfamily").Replace("\"id\":\"other\",", "", StringComparison.Ordinal), "application/fhir+json"),
            key: HostileGateway.WriteOnlyKey, configure: m => m.Headers.Add("If-None-Exist", $"identifier=https://example-hospital.org/mrn|{mrn}"));

        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"{(int)response.StatusCode}: {Short(body)}");
        Assert.DoesNotContain("Canaryfamily", body, StringComparison.Ordinal);
        Assert.DoesNotContain("1984-06-17", body, StringComparison.Ordinal);
        Assert.DoesNotContain("\"Patient\"", body, StringComparison.Ordinal);
        Assert.Contains(id, response.Headers.Location?.ToString() ?? "", StringComparison.Ordinal);
    }

    [Fact]
    public async Task WriteOnlyCreateUpdateAndConditionalProcedure_AnswerWithoutResourceBodies()
    {
        var gateway = await GatewayAsync();
        var id = UniqueId("wo");
        var procedure = Resource("Procedure");
        procedure["id"] = UniqueId("woproc");
        var identifier = procedure["identifier"]![0]!;
        identifier["value"] = UniqueId("WO-PROC");
        using var first = await gateway.PutAsync($"/fhir/Procedure/{procedure["id"]}", procedure.ToJsonString());
        Assert.True(first.IsSuccessStatusCode, Short(await first.Content.ReadAsStringAsync()));
        procedure.Remove("id");

        using var create = await gateway.PostAsync("/fhir/Patient", Patient(id, UniqueId("MRN-WO"), "Writeonlyfamily").Replace($"\"id\":\"{id}\",", "", StringComparison.Ordinal), key: HostileGateway.WriteOnlyKey);
        using var update = await gateway.PutAsync($"/fhir/Patient/{id}", Patient(id, UniqueId("MRN-WO2"), "Writeonlyfamily"), key: HostileGateway.WriteOnlyKey);
        using var conditional = await gateway.SendAsync(HttpMethod.Post, "/fhir/Procedure", HostileGateway.Body(procedure.ToJsonString(), "application/fhir+json"),
            key: HostileGateway.WriteOnlyKey, configure: m => m.Headers.Add("If-None-Exist", $"identifier={identifier["system"]}|{identifier["value"]}"));

        foreach (var response in new[] { create, update, conditional })
        {
            var body = await response.Content.ReadAsStringAsync();
            Assert.True(response.IsSuccessStatusCode, $"{response.RequestMessage!.Method} {response.RequestMessage.RequestUri}: {(int)response.StatusCode} {Short(body)}");
            Assert.DoesNotContain("Writeonlyfamily", body, StringComparison.Ordinal);
            Assert.DoesNotContain("\"resourceType\":\"Procedure\"", body, StringComparison.Ordinal);
            Assert.NotNull(response.Headers.Location);
        }
    }

    [Theory]
    [InlineData("Patient", "https://example-hospital.org/mrn")]
    [InlineData("Practitioner", "http://hl7.org/fhir/sid/us-npi")]
    public async Task SecondPersonWithAnExistingIdentifier_IsRefusedNamingTheExistingResource(string type, string system)
    {
        var gateway = await GatewayAsync();
        var value = UniqueId("DUP");
        string Person(string id) => new JsonObject
        {
            ["resourceType"] = type,
            ["id"] = id,
            ["identifier"] = new JsonArray(new JsonObject { ["system"] = system, ["value"] = value }),
            ["name"] = new JsonArray(new JsonObject { ["family"] = "Dup" }),
        }.ToJsonString();
        var existing = UniqueId("first");
        using var first = await gateway.PutAsync($"/fhir/{type}/{existing}", Person(existing));
        Assert.True(first.IsSuccessStatusCode, Short(await first.Content.ReadAsStringAsync()));
        var conditional = new JsonObject
        {
            ["resourceType"] = "Bundle",
            ["type"] = "transaction",
            ["entry"] = new JsonArray([.. new[] { "a", "b" }.Select(n => (JsonNode)new JsonObject
            {
                ["fullUrl"] = $"urn:uuid:{Guid.NewGuid()}",
                ["resource"] = JsonNode.Parse(Person(n))!.AsObject().Also(r => r.Remove("id")),
                ["request"] = new JsonObject { ["method"] = "POST", ["url"] = type, ["ifNoneExist"] = $"identifier={system}|{value}x" },
            })]),
        }.ToJsonString();
        var second = UniqueId("second");

        using var create = await gateway.PostAsync($"/fhir/{type}", Person("ignored").Replace("\"id\":\"ignored\",", "", StringComparison.Ordinal));
        using var update = await gateway.PutAsync($"/fhir/{type}/{second}", Person(second));
        using var transaction = await gateway.PostAsync("/fhir", conditional);

        await AssertRefusedAsync(create, [existing], HttpStatusCode.Conflict, HttpStatusCode.PreconditionFailed);
        await AssertRefusedAsync(update, [existing], HttpStatusCode.Conflict, HttpStatusCode.PreconditionFailed);
        Assert.True(transaction.IsSuccessStatusCode || (int)transaction.StatusCode is 409 or 412, $"transaction: {(int)transaction.StatusCode}");
        using var search = await gateway.GetAsync($"/fhir/{type}?identifier={Uri.EscapeDataString(system + "|" + value + "x")}");
        Assert.True(JsonNode.Parse(await search.Content.ReadAsStringAsync())!["total"]!.GetValue<int>() <= 1, "two conditional creates of one identifier in one transaction made two");
    }

    /// <summary>Duplicates allowed by the setting (or left from before): intake picks one the same way every time and accepts the session.</summary>
    [Fact]
    public async Task SessionOfAPatientWithDuplicateRecords_IsAcceptedAndTheDuplicateReported()
    {
        await using var gateway = await DedicatedAsync(new() { [HostileSettings.AllowDuplicatePersonIdentifiers] = "true" });
        var mrn = UniqueId("MRN-TWICE");
        var ids = new[] { UniqueId("twin-a"), UniqueId("twin-b") };
        foreach (var id in ids)
        {
            using var put = await gateway.PutAsync($"/fhir/Patient/{id}", Patient(id, mrn, "Twin"));
            Assert.True(put.IsSuccessStatusCode, $"{(int)put.StatusCode} {Short(await put.Content.ReadAsStringAsync())}");
        }
        var subjects = new List<string>();

        foreach (var sessionId in new[] { UniqueId("STM-TWIN-1"), UniqueId("STM-TWIN-2") })
        {
            using var session = await gateway.PostAsync("/stm/sessions", SessionJson.Text(sessionId, mrn: mrn), "application/json");
            var body = await session.Content.ReadAsStringAsync();
            Assert.True(session.StatusCode == HttpStatusCode.Created, $"{(int)session.StatusCode}: {Short(body)}");
            subjects.Add(JsonNode.Parse(body)!["resources"]!.AsArray().First(r => r!["resourceType"]!.GetValue<string>() == "Patient")!["id"]!.GetValue<string>());
        }

        Assert.Single(subjects.Distinct());
        Assert.Contains(subjects[0], ids);
        using var status = await gateway.GetAsync("/exchange/status");
        var report = await status.Content.ReadAsStringAsync();
        Assert.All(ids, id => Assert.Contains(id, report, StringComparison.Ordinal));
    }
}

/// <summary>A small fluent helper for building JSON in expressions.</summary>
internal static class JsonObjectExtensions
{
    public static JsonObject Also(this JsonObject node, Action<JsonObject> change)
    {
        change(node);
        return node;
    }
}
