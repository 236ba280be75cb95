using CsCheck;
using Hl7.Fhir.Model;
using StmFhir.Core.Mapping;
using StmFhir.Core.Tests.Sessions;

namespace StmFhir.Core.Tests.Mapping;

/// <summary>
/// A session's keys give each resource its id, and back from an issue's entry the session field it came from
/// (<see cref="StmSourcePaths"/>): the path is derived from the same keys, never from text read back.
/// </summary>
public sealed class SessionKeysTests
{
    [Theory]
    [InlineData(SessionKeys.Procedure, null, "$")]
    [InlineData(SessionKeys.Pain, 2, "$.painScores[2]")]
    [InlineData(SessionKeys.Rom, 0, "$.romMeasurements[0]")]
    [InlineData(SessionKeys.Finding, 1, "$.screening.findings[1]")]
    [InlineData(SessionKeys.Medication, 3, "$.screening.medications[3]")]
    [InlineData(SessionKeys.Screening, null, "$.screening")]
    public void SourcePath_EachKind_IsTheSessionFieldItIsMappedFrom(string kind, int? index, string expected) =>
        Assert.Equal(expected, SessionKeys.SourcePath(kind, index));

    [Fact]
    public void SourcePath_UnknownKind_Throws() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => SessionKeys.SourcePath("vital-sign", 0));

    [Fact]
    public void SourcePaths_EveryEntryOfASampleWithFindingsAndMedications_PointsAtItsField()
    {
        var session = SampleFiles.Session("04-patellar-tendinopathy-anticoagulant-bruising.json");
        var bundle = StmBundleMapper.ToBundle(session);
        var paths = new StmSourcePaths(session, bundle);

        var found = bundle.Entry.Select((e, i) => paths.For($"Bundle.entry[{i}].resource.meta")).ToList();

        Assert.Equal(bundle.Entry.Select(e => Expected(session.SessionId, e.Resource!)), found);
        Assert.Contains("$.screening.findings[0]", found);
        Assert.Contains("$.screening.medications[0]", found);
    }

    [Theory]
    [InlineData("Procedure", ".resource.complication[0]", "$.complications[0]")]
    [InlineData("Procedure", ".resource.performedPeriod.start", "$.start")]
    [InlineData("Procedure", ".resource.statusReason", "$")]
    [InlineData("Procedure", ".resource.bodySite[0].coding[0]", "$.regions[0]")]
    [InlineData("Observation", ".resource.valueInteger", "$.painScores[0].score")]
    [InlineData("Observation", ".resource.effectiveDateTime", "$.painScores[0].takenAt")]
    [InlineData("RiskAssessment", ".resource.occurrenceDateTime", "$.screening.performedAt")]
    public void For_AnElementMappedFromOneField_NamesThatField(string type, string element, string expected)
    {
        var session = SampleFiles.Session("08-de-quervain-petechiae.json");
        var bundle = StmBundleMapper.ToBundle(session);
        var index = bundle.Entry.FindIndex(e => e.Resource!.TypeName == type);

        Assert.Equal(expected, new StmSourcePaths(session, bundle).For($"Bundle.entry[{index}]{element}"));
    }

    [Fact]
    public void SourcePaths_GeneratedSessions_EveryEntryPointsAtTheFieldItsIdentifierNames() =>
        StmSessionGen.Session.Sample(session =>
        {
            var bundle = StmBundleMapper.ToBundle(session);
            var paths = new StmSourcePaths(session, bundle);
            for (var i = 0; i < bundle.Entry.Count; i++)
            {
                Assert.Equal(Expected(session.SessionId, bundle.Entry[i].Resource!), paths.For($"Bundle.entry[{i}]"));
            }
        }, iter: 200);

    [Theory]
    [InlineData(null)]
    [InlineData("Bundle.type")]
    [InlineData("Procedure.status")]
    [InlineData("Bundle.entry")]
    [InlineData("Bundle.entry[]")]
    [InlineData("Bundle.entry[-1].resource")]
    [InlineData("Bundle.entry[x].resource")]
    [InlineData("Bundle.entry[99].resource")]
    [InlineData("Bundle.entry[99999999999999999999].resource")]
    public void For_AnExpressionThatNamesNoEntryOfTheBundle_IsNull(string? expression)
    {
        var session = SampleFiles.Session("01-lateral-epicondylitis-iastm.json");

        Assert.Null(new StmSourcePaths(session, StmBundleMapper.ToBundle(session)).For(expression));
    }

    [Fact]
    public void For_AnEntryTheSessionDidNotMake_IsNull()
    {
        var session = SampleFiles.Session("01-lateral-epicondylitis-iastm.json");
        var bundle = StmBundleMapper.ToBundle(session);
        bundle.Entry.Add(new Bundle.EntryComponent { FullUrl = "urn:uuid:6f1c2e3d-4a5b-4c6d-8e7f-90a1b2c3d4e5", Resource = new Patient() });
        bundle.Entry.Add(new Bundle.EntryComponent { Resource = new Patient() });

        var paths = new StmSourcePaths(session, bundle);

        Assert.Null(paths.For($"Bundle.entry[{bundle.Entry.Count - 2}].resource"));
        Assert.Null(paths.For($"Bundle.entry[{bundle.Entry.Count - 1}].resource"));
    }

    /// <summary>The field a resource of a session's Bundle comes from, worked out from its type and identifier value (MAPPING.md, "Identity").</summary>
    private static string Expected(string sessionId, Resource resource)
    {
        var identifier = (resource as IIdentifiable<List<Identifier>>)?.Identifier.Select(i => i.Value).FirstOrDefault() ?? "";
        var parts = identifier.StartsWith(sessionId + "/", StringComparison.Ordinal) ? identifier[(sessionId.Length + 1)..].Split('/') : [];
        return (resource, parts) switch
        {
            (Patient, _) => "$.patient",
            (Practitioner, _) => "$.clinician",
            (Procedure, _) => "$",
            (Observation, ["pain", var i]) => $"$.painScores[{i}]",
            (Observation, ["rom", var i]) => $"$.romMeasurements[{i}]",
            (Condition, ["finding", var i]) => $"$.screening.findings[{i}]",
            (MedicationStatement, ["medication", var i]) => $"$.screening.medications[{i}]",
            (RiskAssessment, ["screening"]) => "$.screening",
            _ => throw new InvalidOperationException($"{resource.TypeName} {identifier} is not a resource of session {sessionId}"),
        };
    }
}
