using System.Diagnostics;
using System.Net;
using System.Text.Json.Nodes;
using StmFhir.Tests.Shared;

namespace StmFhir.Gateway.Tests.Hostile;

/// <summary>Memory and CPU stay bounded: batch size, answer size, history paging, validation time and cancellation.</summary>
public abstract partial class HostileInputSuite
{
    private const long OneGigabyte = 1024L * 1024 * 1024;

    /// <summary>The issue's 65 KB batch of 1,000 <c>GET Observation?_count=200</c>: refused, or answered within the answer limit and under 1 GB.</summary>
    [Fact]
    public async Task ThousandEntryBatchOfLargeSearches_IsRefusedOrBoundedInSizeAndMemory()
    {
        await using var gateway = await DedicatedAsync();
        foreach (var session in SampleSessions.Create(UniqueId("BIG"), 30))
        {
            using var stored = await gateway.SendAsync(HttpMethod.Post, "/stm/sessions", HostileGateway.Body(session.Json, "application/json"));
            Assert.True(stored.IsSuccessStatusCode, $"{(int)stored.StatusCode}");
        }
        var batch = new JsonObject
        {
            ["resourceType"] = "Bundle",
            ["type"] = "batch",
            ["entry"] = new JsonArray([.. Enumerable.Range(0, 1000).Select(_ => (JsonNode)new JsonObject
            {
                ["request"] = new JsonObject { ["method"] = "GET", ["url"] = "Observation?_count=200" },
            })]),
        }.ToJsonString();
        HttpResponseMessage? response = null;

        var peak = await gateway.PeakRssDuringAsync(async () => response = await gateway.PostAsync("/fhir", batch));

        using (response)
        {
            if ((int)response!.StatusCode is 400 or 413)
            {
                await AssertRefusedAsync(response, ["entries", "entry", "MaxBundleEntries", "MaxResponseBytes", "large"]);
            }
            else
            {
                Assert.Equal(HttpStatusCode.OK, response.StatusCode);
                Assert.True(response.Content.Headers.ContentLength <= HostileSettings.ResponseLimit + 64 * 1024,
                    $"a {response.Content.Headers.ContentLength}-byte answer over the {HostileSettings.ResponseLimit}-byte limit");
            }
        }
        Assert.True(peak < OneGigabyte, $"resident memory reached {peak / (1024 * 1024)} MB");
        await gateway.AssertAliveAsync();
    }

    [Fact]
    public async Task BatchAndTransactionOverTheEntryLimit_AreRefused()
    {
        var gateway = await GatewayAsync();
        string Bundle(string type) => new JsonObject
        {
            ["resourceType"] = "Bundle",
            ["type"] = type,
            ["entry"] = new JsonArray([.. Enumerable.Range(0, HostileSettings.EntryLimit + 1).Select(i => (JsonNode)new JsonObject
            {
                ["request"] = new JsonObject { ["method"] = "GET", ["url"] = "Patient/p" + i },
            })]),
        }.ToJsonString();

        foreach (var type in new[] { "batch", "transaction" })
        {
            using var response = await gateway.PostAsync("/fhir", Bundle(type));
            await AssertRefusedAsync(response, ["entries", "MaxBundleEntries", HostileSettings.EntryLimit.ToString(System.Globalization.CultureInfo.InvariantCulture)],
                HttpStatusCode.RequestEntityTooLarge, HttpStatusCode.BadRequest);
        }
    }

    /// <summary>A search page of large resources stops at the answer limit and links onward; following the links yields each once.</summary>
    [Fact]
    public async Task SearchPageOfLargeResources_StopsAtTheAnswerLimitAndLinksOnward()
    {
        var gateway = await GatewayAsync();
        var code = UniqueId("large");
        var stored = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < 12; i++)
        {
            var observation = Resource("Observation-integer");
            var id = UniqueId("large" + i);
            observation["id"] = id;
            observation["identifier"] = new JsonArray(new JsonObject { ["system"] = "urn:hostile:" + code, ["value"] = id });
            observation["note"] = new JsonArray(new JsonObject { ["text"] = new string('n', 600_000) });
            using var put = await gateway.PutAsync($"/fhir/Observation/{id}", observation.ToJsonString());
            Assert.True(put.IsSuccessStatusCode, $"storing {id}: {(int)put.StatusCode} {Short(await put.Content.ReadAsStringAsync())}");
            stored.Add(id);
        }
        var seen = new List<string>();
        var next = $"/fhir/Observation?identifier={Uri.EscapeDataString("urn:hostile:" + code + "|")}&_count=200";
        for (var pages = 0; next is not null; pages++)
        {
            Assert.True(pages < 20, "paging did not end");
            using var page = await gateway.GetAsync(next);
            var body = await page.Content.ReadAsStringAsync();
            Assert.True(page.StatusCode == HttpStatusCode.OK, Short(body));
            Assert.True(body.Length <= HostileSettings.ResponseLimit + 64 * 1024, $"a page of {body.Length} bytes over the {HostileSettings.ResponseLimit}-byte limit");
            var bundle = JsonNode.Parse(body)!;
            seen.AddRange(bundle["entry"]?.AsArray().Select(e => e!["resource"]!["id"]!.GetValue<string>()) ?? []);
            var link = bundle["link"]?.AsArray().FirstOrDefault(l => l!["relation"]!.GetValue<string>() == "next")?["url"]?.GetValue<string>();
            next = link is null ? null : new Uri(link).PathAndQuery;
        }
        Assert.Equal(stored.Order(StringComparer.Ordinal), seen.Order(StringComparer.Ordinal));
    }

    /// <summary><c>_history</c> pages like search: a default page size, <c>_count</c>, <c>next</c>, <c>_since</c>.</summary>
    [Fact]
    public async Task History_PagesWithCountNextAndSince()
    {
        var gateway = await GatewayAsync();
        var id = UniqueId("hist");
        for (var version = 1; version <= 25; version++)
        {
            using var put = await gateway.PutAsync($"/fhir/Patient/{id}", Patient(id, id, "Version" + version));
            Assert.True(put.IsSuccessStatusCode, $"version {version}: {(int)put.StatusCode}");
        }

        using var all = await gateway.GetAsync($"/fhir/Patient/{id}/_history");
        using var first = await gateway.GetAsync($"/fhir/Patient/{id}/_history?_count=5");
        var firstPage = JsonNode.Parse(await first.Content.ReadAsStringAsync())!;
        var nextUrl = firstPage["link"]?.AsArray().FirstOrDefault(l => l!["relation"]!.GetValue<string>() == "next")?["url"]?.GetValue<string>();
        using var second = await gateway.GetAsync(nextUrl is null ? "/fhir/Patient/none" : new Uri(nextUrl).PathAndQuery);
        using var since = await gateway.GetAsync($"/fhir/Patient/{id}/_history?_since={Uri.EscapeDataString(DateTimeOffset.UtcNow.AddMinutes(5).ToString("yyyy-MM-ddTHH:mm:ssZ", System.Globalization.CultureInfo.InvariantCulture))}");

        Assert.True(first.StatusCode == HttpStatusCode.OK, Short(firstPage.ToJsonString()));
        Assert.True(JsonNode.Parse(await all.Content.ReadAsStringAsync())!["entry"]!.AsArray().Count <= 20, "the default history page is larger than the default page size");
        var versions = firstPage["entry"]!.AsArray().Select(e => e!["resource"]!["meta"]!["versionId"]!.GetValue<string>()).ToList();
        Assert.Equal(["25", "24", "23", "22", "21"], versions);
        Assert.NotNull(nextUrl);
        var secondVersions = JsonNode.Parse(await second.Content.ReadAsStringAsync())!["entry"]!.AsArray().Select(e => e!["resource"]!["meta"]!["versionId"]!.GetValue<string>());
        Assert.Equal(["20", "19", "18", "17", "16"], secondVersions);
        Assert.Empty(JsonNode.Parse(await since.Content.ReadAsStringAsync())!["entry"]?.AsArray() ?? []);
    }
}
