using System.Diagnostics;
using System.Net;
using System.Text.Json.Nodes;
using StmFhir.Tests.Shared;
using StmFhir.Tests.Shared.Fuzz;

namespace StmFhir.Gateway.Tests.Hostile;

/// <summary>Validation time is bounded: duplicate contained ids cost linear time, work stops when the client leaves or the budget runs out.</summary>
public abstract partial class HostileInputSuite
{
    /// <summary>The issue's Questionnaire whose contained ValueSets share one id (400 copies took 2.4 s, 605 KB ran 379 s).</summary>
    private static string QuestionnaireWithDuplicateContainedIds(int copies) => new JsonObject
    {
        ["resourceType"] = "Questionnaire",
        ["status"] = "draft",
        ["contained"] = new JsonArray([.. Enumerable.Range(0, copies).Select(_ => (JsonNode)new JsonObject
        {
            ["resourceType"] = "ValueSet", ["id"] = "vs", ["status"] = "draft",
        })]),
        ["item"] = new JsonArray(new JsonObject { ["linkId"] = "1", ["text"] = "q", ["type"] = "choice", ["answerValueSet"] = "#vs" }),
    }.ToJsonString();

    /// <summary>A collection Bundle of every sample Bundle's resources, several times over: seconds of honest validation work.</summary>
    private static string HeavyBundle(int rounds)
    {
        var entries = new JsonArray();
        for (var round = 0; round < rounds; round++)
        {
            foreach (var seed in FuzzCorpus.OfKind(SeedKind.Bundle))
            {
                foreach (var entry in seed.Json["entry"]!.AsArray())
                {
                    entries.Add(new JsonObject
                    {
                        ["fullUrl"] = $"urn:uuid:{Guid.NewGuid()}",
                        ["resource"] = entry!["resource"]!.DeepClone(),
                    });
                }
            }
        }
        return new JsonObject { ["resourceType"] = "Bundle", ["type"] = "collection", ["entry"] = entries }.ToJsonString();
    }

    /// <remarks>
    /// Linear, not fast, is what the test asks: four times the copies must cost about four times as much (quadratic work
    /// costs sixteen times), whatever the machine's speed; each size is timed at its best of three runs, the sizes alternated.
    /// </remarks>
    [Fact]
    public async Task QuestionnaireWithTwoThousandContainedValueSetsOfOneId_IsValidatedInLinearTime()
    {
        await using var gateway = await DedicatedAsync(new() { [HostileSettings.MaxRequestBodyBytes] = "5242880" });
        await TimedValidateAsync(gateway, 100); // the paths warm

        // Alternated, best of three each: other test classes run beside this one, and whatever they take from the
        // machine then falls on both sizes alike.
        TimeSpan small = TimeSpan.MaxValue, large = TimeSpan.MaxValue;
        for (var round = 0; round < 3; round++)
        {
            small = Min(small, await TimedValidateAsync(gateway, 500));
            large = Min(large, await TimedValidateAsync(gateway, 2000));
        }

        var ratio = large.TotalSeconds / small.TotalSeconds;
        Assert.True(ratio < 8, $"2,000 copies took {large.TotalSeconds:F2} s, 500 took {small.TotalSeconds:F2} s: x{ratio:F1} for x4 the input (linear ~x4, quadratic ~x16)");
    }

    private static async Task<TimeSpan> TimedValidateAsync(HostileGateway gateway, int copies)
    {
        var clock = Stopwatch.StartNew();
        using var response = await gateway.PostAsync("/fhir/$validate", QuestionnaireWithDuplicateContainedIds(copies));
        clock.Stop();
        await AssertValidationErrorAsync(response, "contained", "vs", "dom-3", "id");
        Assert.DoesNotContain("budget", await response.Content.ReadAsStringAsync(), StringComparison.OrdinalIgnoreCase);
        return clock.Elapsed;
    }

    private static TimeSpan Min(TimeSpan a, TimeSpan b) => a < b ? a : b;

    /// <summary>Two long validations whose clients hang up must not hold both validation slots while a session waits.</summary>
    [Fact]
    public async Task ValidationWhoseClientDisconnects_IsCancelledAndFreesItsSlot()
    {
        await using var gateway = await DedicatedAsync(new()
        {
            [HostileSettings.MaxRequestBodyBytes] = "10485760",
            [HostileSettings.ValidationTimeBudget] = "00:05:00",
            [HostileSettings.MaxElements] = "10000000", // more than the default: the point is a validation that runs long
            ["Fhir__MaxConcurrentValidations"] = "2",
        });
        // About 2,000 resources: tens of seconds of validation. The clients hang up after 4 s, when the upload and the
        // parse are long done and both validations hold their slots.
        var heavy = HeavyBundle(12);
        var abandoned = Enumerable.Range(0, 2).Select(async _ =>
        {
            await Assert.ThrowsAsync<TimeoutException>(() => gateway.SendAsync(HttpMethod.Post, "/fhir/$validate",
                HostileGateway.Body(heavy, "application/fhir+json"), timeout: TimeSpan.FromSeconds(4), stopOnTimeout: false));
        }).ToList();
        await Task.WhenAll(abandoned);
        var clock = Stopwatch.StartNew();

        using var session = await gateway.PostAsync("/stm/sessions", SessionJson.Text(UniqueId("STM-AFTER")), "application/json");

        clock.Stop();
        Assert.Equal(HttpStatusCode.Created, session.StatusCode);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5), $"the session waited {clock.Elapsed.TotalSeconds:F1} s behind validations nobody waits for");
        await gateway.AssertAliveAsync();
    }

    [Fact]
    public async Task ValidationOverItsTimeBudget_StopsWithAnErrorIssue()
    {
        await using var gateway = await DedicatedAsync(new()
        {
            [HostileSettings.MaxRequestBodyBytes] = "10485760",
            [HostileSettings.ValidationTimeBudget] = "00:00:01",
            [HostileSettings.MaxElements] = "10000000", // the budget, not the element limit, is what stops it here
        });
        var clock = Stopwatch.StartNew();

        using var response = await gateway.PostAsync("/fhir/$validate", HeavyBundle(4));

        clock.Stop();
        await AssertValidationErrorAsync(response, "budget", "time", "ValidationTimeBudget");
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(4), $"answered after {clock.Elapsed.TotalSeconds:F1} s with a 1 s budget");
        await gateway.AssertAliveAsync();
    }
}
