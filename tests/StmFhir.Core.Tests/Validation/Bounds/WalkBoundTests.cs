using System.Diagnostics;
using System.Text;
using Hl7.Fhir.Model;
using StmFhir.Core.Validation;

namespace StmFhir.Core.Tests.Validation.Bounds;

/// <summary>
/// Firely's walk is bounded (<c>WalkGuard</c>): deep but legal nesting up to the reader's depth limit is validated,
/// a walk the thread's stack cannot hold stops with an issue instead of ending the process, the time budget and the
/// caller's token stop it mid-walk.
/// </summary>
[Collection(ValidationCollection.Name)]
public sealed class WalkBoundTests(ValidationFixture fixture)
{
    /// <summary>Questionnaire items nested <paramref name="levels"/> deep (a content reference: Firely walks the item schema again at each level), valid.</summary>
    private static string NestedItems(int levels)
    {
        var json = new StringBuilder("""{"resourceType":"Questionnaire","status":"active","item":[""");
        for (var i = 0; i < levels; i++)
        {
            json.Append($$"""{"linkId":"g{{i}}","type":"group","item":[""");
        }
        json.Append("""{"linkId":"leaf","type":"display","text":"x"}""");
        json.Append(string.Concat(Enumerable.Repeat("]}", levels))).Append("]}");
        return json.ToString();
    }

    /// <summary>A Reference whose identifier's assigner is a Reference whose identifier's assigner..., <paramref name="levels"/> deep.</summary>
    private static string NestedAssigners(int levels)
    {
        var json = new StringBuilder("""{"resourceType":"Patient","managingOrganization":""");
        for (var i = 0; i < levels; i++)
        {
            json.Append($$"""{"identifier":{"value":"v{{i}}","assigner":""");
        }
        json.Append("""{"display":"leaf"}""").Append(string.Concat(Enumerable.Repeat("}}", levels))).Append('}');
        return json.ToString();
    }

    private static Resource Read(string json, int maxDepth)
    {
        var parsed = FhirInput.Parse(Encoding.UTF8.GetBytes(json), new FhirReadOptions { MaxDepth = maxDepth });
        Assert.True(parsed.Resource is not null, string.Join("; ", parsed.Issues.Select(i => i.Message)));
        Assert.Empty(parsed.Issues);
        return parsed.Resource;
    }

    [Theory]
    [InlineData(128)]
    [InlineData(FhirReadOptions.MaxDepthLimit)]
    public void NestingUpToTheReadersDepthLimitIsValidated_FastPathOnAndOff(int maxDepth)
    {
        // Each item level is two JSON levels (the array and the object), each assigner level two as well.
        var items = Read(NestedItems((maxDepth - 4) / 2), maxDepth);
        var assigners = Read(NestedAssigners((maxDepth - 3) / 2), maxDepth);

        foreach (var engine in new[] { fixture.Engine, fixture.FirelyOnlyEngine })
        {
            Assert.True(engine.Validate(items).IsValid, string.Join("; ", engine.Validate(items).Errors.Select(i => i.Message)));
            Assert.DoesNotContain(engine.Validate(assigners).Issues, i => i.Code.StartsWith("STM-INPUT", StringComparison.Ordinal));
        }
    }

    [Fact]
    public void ReadingDeeperThanTheLimitIsRefusedNotAttempted()
    {
        var parsed = FhirInput.Parse(Encoding.UTF8.GetBytes(NestedItems(100)), new FhirReadOptions { MaxDepth = 128 });

        Assert.Null(parsed.Resource);
        Assert.Contains(parsed.Issues, i => i.Code == IssueCodes.UnreadableInput && i.Message.Contains("nested deeper than 128"));
        Assert.Throws<ArgumentOutOfRangeException>(() => FhirInput.Parse("{}"u8, new FhirReadOptions { MaxDepth = FhirReadOptions.MaxDepthLimit + 1 }));
    }

    [Fact]
    public void AWalkTheStackCannotHoldStopsWithAnIssue_AndTheSameInputValidatesWithRoomEnough()
    {
        // 250 levels take ~0.6 MB of stack (measured ~2.5 KB a level); the guard keeps 64-128 KB in reserve.
        var deep = Read(NestedItems(250), FhirReadOptions.MaxDepthLimit);

        foreach (var engine in new[] { fixture.Engine, fixture.FirelyOnlyEngine })
        {
            var cramped = OnThread(256 * 1024, () => engine.ValidateOnThisThread(deep));
            var roomy = OnThread(16 * 1024 * 1024, () => engine.ValidateOnThisThread(deep));

            var issue = Assert.Single(cramped.Issues);
            Assert.Equal((IssueCodes.NestedTooDeeply, OperationOutcome.IssueSeverity.Error), (issue.Code, issue.Severity));
            Assert.True(roomy.IsValid, string.Join("; ", roomy.Errors.Select(i => i.Message)));
        }
    }

    [Fact]
    public void TheTimeBudgetStopsTheWalkWithAnIssue()
    {
        var engine = StmValidator.Create(new StmValidatorOptions { ProfilesDirectory = ValidationFixture.ProfilesDirectory, TimeBudget = TimeSpan.FromMilliseconds(1) });
        var big = Read(NestedItems(250), FhirReadOptions.MaxDepthLimit);
        engine.Validate(Read(NestedItems(2), 128)); // compiles the schemas, which the budget does not interrupt

        var report = engine.Validate(big);

        var issue = Assert.Single(report.Issues);
        Assert.Equal((IssueCodes.TimeBudgetExceeded, OperationOutcome.IssueSeverity.Error), (issue.Code, issue.Severity));
        Assert.Throws<ArgumentOutOfRangeException>(() => StmValidator.Create(new StmValidatorOptions { TimeBudget = TimeSpan.Zero }));
    }

    [Fact]
    public void CancellingStopsTheWalkMidWay_NotAfterIt()
    {
        var big = Read(NestedItems(250), FhirReadOptions.MaxDepthLimit);
        fixture.FirelyOnlyEngine.Validate(Read(NestedItems(2), 128)); // compiles the schemas, which cancelling does not interrupt
        var whole = Stopwatch.StartNew();
        fixture.FirelyOnlyEngine.Validate(big);
        whole.Stop();

        using var cancel = new CancellationTokenSource(whole.Elapsed / 10);
        var stopped = Stopwatch.StartNew();
        Assert.ThrowsAny<OperationCanceledException>(() => fixture.FirelyOnlyEngine.Validate(big, cancellationToken: cancel.Token));
        stopped.Stop();

        Assert.True(stopped.Elapsed < whole.Elapsed * 0.6, $"stopped after {stopped.ElapsedMilliseconds} ms of {whole.ElapsedMilliseconds} ms");
    }

    private static T OnThread<T>(int stackSize, Func<T> work)
    {
        T? result = default;
        Exception? failure = null;
        var thread = new Thread(() =>
        {
            try
            {
                result = work();
            }
            catch (Exception e)
            {
                failure = e;
            }
        }, stackSize);
        thread.Start();
        thread.Join();
        return failure is null ? result! : throw new InvalidOperationException("the work threw", failure);
    }
}
