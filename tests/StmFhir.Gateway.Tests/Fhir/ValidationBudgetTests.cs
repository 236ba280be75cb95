using System.Diagnostics;
using System.Net;
using System.Text;
using Hl7.Fhir.Model;
using Microsoft.Extensions.Logging.Abstractions;
using StmFhir.Core.Mapping;
using StmFhir.Core.Validation;
using StmFhir.Gateway.Tests.Infrastructure;
using StmFhir.Gateway.Validation;
using Task = System.Threading.Tasks.Task;

namespace StmFhir.Gateway.Tests.Fhir;

/// <summary>
/// Validation has a time budget per request (<c>Fhir:ValidationTimeBudget</c>): beyond it the walk stops and the
/// answer holds error STM-INPUT-003 (200 at <c>$validate</c>, 422 on a write, nothing stored); and it stops when the
/// caller gives up, freeing its slot. Before, a hostile <c>$validate</c> ran for minutes after its client had left.
/// </summary>
public sealed class ValidationBudgetTests(ValidationBudgetTests.TinyBudgetGateway factory) : IClassFixture<ValidationBudgetTests.TinyBudgetGateway>
{
    private readonly HttpClient _client = factory.ClientWithKey();

    /// <summary>A gateway whose engine may spend 1 ms on a validation: every sample Bundle takes longer.</summary>
    public sealed class TinyBudgetGateway : GatewayFactory
    {
        private static readonly EngineValidator Engine = new(Path.Combine(RepoPaths.Root, "profiles"), NullLogger<EngineValidator>.Instance,
            timeBudget: TimeSpan.FromMilliseconds(1));

        public TinyBudgetGateway() => Validator = Engine;
    }

    private static string SampleBundle => File.ReadAllText(RepoPaths.Samples("bundles", "01-lateral-epicondylitis-iastm.json"));

    private static bool IsBudgetIssue(OperationOutcome.IssueComponent issue) =>
        issue.Severity == OperationOutcome.IssueSeverity.Error && issue.Details?.Coding.Any(c => c.Code == IssueCodes.TimeBudgetExceeded) == true;

    [Fact]
    public async Task Validate_OverTheBudget_Answers200WithTheBudgetError()
    {
        var response = await _client.PostAsync("/fhir/$validate", Http.Json(SampleBundle));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains((await response.ReadFhirAsync<OperationOutcome>()).Issue, IsBudgetIssue);
    }

    [Fact]
    public async Task Transaction_OverTheBudget_Is422WithTheBudgetErrorAndStoresNothing()
    {
        var bundle = FhirJson.Deserialize<Bundle>(SampleBundle);

        var outcome = await (await _client.PostAsync("/fhir", Http.Fhir(bundle))).AssertOutcomeAsync(HttpStatusCode.UnprocessableEntity);

        Assert.Contains(outcome.Issue, IsBudgetIssue);
        var procedure = bundle.Entry.Select(e => e.Resource).OfType<Procedure>().First();
        await (await _client.GetAsync($"/fhir/Procedure/{procedure.Id}")).AssertOutcomeAsync(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task ACancelledValidationStopsMidWalkAndFreesItsSlot()
    {
        // The engine every other test uses (no budget); Questionnaire items nested 250 deep take it a while to walk.
        var engine = SharedEngine.Instance;
        var json = new StringBuilder("""{"resourceType":"Questionnaire","status":"active","item":[""");
        for (var i = 0; i < 250; i++)
        {
            json.Append("{\"linkId\":\"g").Append(i).Append("\",\"type\":\"group\",\"item\":[");
        }
        json.Append("""{"linkId":"leaf","type":"display","text":"x"}""").Append(string.Concat(Enumerable.Repeat("]}", 250))).Append("]}");
        var deep = FhirInput.Parse(Encoding.UTF8.GetBytes(json.ToString()), new FhirReadOptions { MaxDepth = FhirReadOptions.MaxDepthLimit }).Resource!;
        // Timed warm: a first walk fills caches, and a cancel timed from a cold walk could come after a warm one ended.
        Assert.True((await engine.ValidateAsync(deep)).IsValid);
        var whole = Stopwatch.StartNew();
        Assert.True((await engine.ValidateAsync(deep)).IsValid);
        whole.Stop();

        for (var i = 0; i < Environment.ProcessorCount + 1; i++)
        {
            using var cancel = new CancellationTokenSource(whole.Elapsed / 10);
            var stopped = Stopwatch.StartNew();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => engine.ValidateAsync(deep, cancellationToken: cancel.Token));
            Assert.True(stopped.Elapsed < whole.Elapsed * 0.6, $"stopped after {stopped.ElapsedMilliseconds} ms of {whole.ElapsedMilliseconds} ms");
        }

        // More cancellations than slots, and a validation still gets one.
        using var wait = new CancellationTokenSource(TimeSpan.FromMinutes(1));
        Assert.True((await engine.ValidateAsync(new Patient(), cancellationToken: wait.Token)).IsValid);
    }
}
