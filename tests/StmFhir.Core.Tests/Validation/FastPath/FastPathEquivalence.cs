using System.Text;
using System.Text.Json.Nodes;
using Firely.Fhir.Validation;
using StmFhir.Core.Mapping;
using StmFhir.Core.Validation;
using StmFhir.Core.Validation.FastPath;

#pragma warning disable ExperimentalApi // Reading Firely's compiled schemas.

namespace StmFhir.Core.Tests.Validation.FastPath;

/// <summary>
/// What the fast path's equivalence tests share: a sample Bundle with one resource edited, the issues an engine gives
/// it (with and without the fast path they must be the same), and the compiled assertions to look into.
/// </summary>
internal static class FastPathEquivalence
{
    /// <summary>The profile name that stands for the Bundle itself rather than one of its resources.</summary>
    public const string TheBundle = "Bundle";

    /// <summary>
    /// The issues of <paramref name="sample"/> after <paramref name="edit"/> of its first resource claiming
    /// <paramref name="profile"/> (or of the Bundle, <see cref="TheBundle"/>), as Firely alone gives them; asserts the
    /// engine with its fast path gives the same, twice (the second time from whatever the first remembered).
    /// </summary>
    public static List<string> AssertSameIssues(ValidationFixture fixture, string sample, string profile, Action<JsonObject> edit)
    {
        var bundle = JsonNode.Parse(FhirJson.Serialize(ValidationSamples.SessionBundle(sample)))!.AsObject();
        edit(profile == TheBundle ? bundle : ((JsonArray)bundle["entry"]!).Select(e => e!["resource"]!.AsObject())
            .First(r => r["meta"]?["profile"]?[0]?.GetValue<string>().EndsWith("/" + profile, StringComparison.Ordinal) == true));
        var json = bundle.ToJsonString();

        var firely = Outcome(fixture.FirelyOnlyEngine, json);
        Assert.Equal(firely, Outcome(fixture.Engine, json));
        Assert.Equal(firely, Outcome(fixture.Engine, json));
        return firely;
    }

    /// <summary>Each issue as "severity code expression message", or what the engine threw; the reader's issues when nothing could be read.</summary>
    public static List<string> Outcome(StmValidator engine, string json)
    {
        try
        {
            var parsed = FhirInput.Parse(Encoding.UTF8.GetBytes(json));
            return [.. (parsed.Resource is { } resource ? engine.Validate(resource).Issues : parsed.Issues)
                .Select(i => $"{i.Severity} {i.Code} {i.Expression} {i.Message}")];
        }
        catch (InvalidOperationException e)
        {
            return ["threw " + e.GetType().Name + ": " + e.Message];
        }
    }

    /// <summary>The first coding of a CodeableConcept.</summary>
    public static JsonObject Coding(JsonNode codeable) => codeable["coding"]![0]!.AsObject();

    /// <summary>The assertion and every assertion under it that Firely's rewriting hook visits.</summary>
    public static IEnumerable<IAssertion> Flatten(IAssertion assertion) => assertion switch
    {
        MemoizedSliceCondition memoized => Flatten(memoized.Inner).Prepend(assertion),
        IAssertionContainer container => container.Children().SelectMany(c => Flatten(c.Child)).Prepend(assertion),
        _ => [assertion],
    };
}
