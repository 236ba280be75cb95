using System.Text.Json.Nodes;
using Hl7.Fhir.Model;
using StmFhir.Core.Mapping;
using StmFhir.Core.Sessions;
using StmFhir.Core.Validation;
using StmFhir.Core.Validation.Clinical;

namespace StmFhir.Core.Tests.Validation;

/// <summary>
/// The consistency rules STM-CLIN-009 to -012 on sessions changed one field at a time: what triggers each, and the
/// near misses that must not (samples/invalid holds one triggering sample of each, checked by InvalidSampleTests).
/// </summary>
public sealed class ConsistencyRulesTests
{
    private static List<ValidationIssue> Check(string sample, Action<JsonObject> change)
    {
        var json = JsonNode.Parse(File.ReadAllText(RepoPaths.Samples("sessions", sample)))!.AsObject();
        change(json);
        var read = StmSessionReader.Read(System.Text.Encoding.UTF8.GetBytes(json.ToJsonString()));
        Assert.True(read.IsValid, string.Join("; ", read.Problems));
        return [.. ClinicalRules.Check(StmBundleMapper.ToBundle(read.Session!))];
    }

    private const string Shoulder = "11-shoulder-impingement-stopped-pain.json";

    private static JsonObject Finding(string kind, string snomed) => new() { ["kind"] = kind, ["code"] = new JsonObject { ["snomed"] = snomed } };

    [Theory]
    [InlineData("cleared", "precaution", false)]
    [InlineData("cleared", "contraindication", true)]
    [InlineData("precautions", "contraindication", false)] // the clinician's judgment with mitigation; not a contradiction in terms
    [InlineData("contraindicated", "contraindication", true)] // not contradictory, but performed although contraindicated (STM-CLIN-001)
    public void ScreeningResultIsCheckedAgainstItsFindings(string result, string kind, bool error)
    {
        var issues = Check(Shoulder, s =>
        {
            s["screening"]!["result"] = result;
            s["screening"]!["findings"] = new JsonArray(Finding(kind, "64859006"));
        });

        Assert.Equal(error, issues.Any(i => i.IsError));
        Assert.Equal(result == "cleared" && error, issues.Any(i => i.Code == IssueCodes.ScreeningResultContradictsFindings));
    }

    [Fact]
    public void ContraindicatedWithoutAnyFinding_IsAContradiction()
    {
        var issues = Check("12-open-wound-contraindicated.json", s => s["screening"]!["findings"] = new JsonArray());

        Assert.Contains(issues, i => i.Code == IssueCodes.ScreeningResultContradictsFindings && i.IsError);
    }

    [Theory]
    [InlineData("pre", "2026-03-18T08:55:00-07:00", false)]
    [InlineData("post", "2026-03-18T09:00:00-07:00", false)]  // at the start is not before it
    [InlineData("post", "2026-03-18T08:59:59-07:00", true)]
    [InlineData("post", "2026-03-18T09:03:00-07:00", false)]  // post during a stopped session: after the start
    [InlineData("follow-up", "2026-03-18T09:06:00-07:00", true)] // at the end is still during
    [InlineData("follow-up", "2026-03-18T17:07:00+01:00", false)] // 16:07 UTC, a minute after the end (16:06 UTC), in another zone
    [InlineData("follow-up", "2026-03-18T09:00:00-06:00", true)]  // 08:00 at -07:00: before the start
    public void MeasurementTimingIsCheckedAgainstTheSessionPeriod(string timing, string takenAt, bool error)
    {
        var issues = Check(Shoulder, s =>
        {
            s["romMeasurements"]![0]!["timing"] = timing;
            s["romMeasurements"]![0]!["takenAt"] = takenAt;
        });

        Assert.Equal(error, issues.Any(i => i.Code == IssueCodes.MeasurementTimingContradictsSession && i.IsError));
    }

    [Theory]
    [InlineData("manual", "light", "711150003", null)]
    [InlineData("manual", "moderate", "711150003", null)]
    [InlineData("manual", "deep", "711150003", "stm-pressure")]
    [InlineData("manual", "deep", "182764009", "stm-pressure")]
    [InlineData("instrument-assisted", "light", "711150003", "procedure-method")]
    [InlineData("instrument-assisted", "deep", "64859006", null)] // osteoporosis: a precaution, not a bleeding risk
    public void DeepPressureOrAnInstrumentUnderAnticoagulation_IsAWarningOnThatExtension(string technique, string pressure, string finding, string? extension)
    {
        var issues = Check(Shoulder, s =>
        {
            s["technique"] = technique;
            s["pressure"] = pressure;
            if (technique == "manual")
            {
                s.Remove("instrument");
            }
            s["screening"]!["result"] = "precautions";
            s["screening"]!["findings"] = new JsonArray(Finding("precaution", finding));
        });
        var warning = issues.SingleOrDefault(i => i.Code == IssueCodes.BleedingRiskTechnique);

        Assert.Equal(extension is not null, warning is not null);
        if (warning is not null)
        {
            Assert.Equal(OperationOutcome.IssueSeverity.Warning, warning.Severity);
            Assert.Matches(@"^Bundle\.entry\[\d+\]\.resource\.extension\[\d+\]$", warning.Expression);
        }
    }

    [Fact]
    public void AnticoagulantCodedInIcd10CmOnly_CountsAsABleedingRisk()
    {
        var issues = Check(Shoulder, s =>
        {
            s["screening"]!["result"] = "precautions";
            s["screening"]!["findings"] = new JsonArray(new JsonObject { ["kind"] = "precaution", ["code"] = new JsonObject { ["icd10cm"] = "Z79.01" } });
        });

        Assert.Contains(issues, i => i.Code == IssueCodes.BleedingRiskTechnique);
    }

    [Theory]
    [InlineData("03-achilles-tendinitis-manual.json")] // the other ankle measured for comparison: a region, not a side
    [InlineData("02-plantar-fasciitis-graston.json")] // ankle dorsiflexion for plantar fasciitis
    [InlineData("09-it-band-syndrome-manual.json")] // knee pain when the iliotibial tract was treated
    public void SamplesMeasuringWhereTheyTreatOrWhereTheIndicationIs_AreNotWarned(string sample) =>
        Assert.DoesNotContain(Check(sample, _ => { }), i => i.Code == IssueCodes.MeasuredSiteNotTreated);

    [Fact]
    public void RomAtAJointNeitherTreatedNorOfTheIndication_IsAWarningOnItsBodySite()
    {
        var issues = Check(Shoulder, s => s["romMeasurements"]![0]!["joint"] = "knee");

        var warning = Assert.Single(issues, i => i.Code == IssueCodes.MeasuredSiteNotTreated);
        Assert.EndsWith(".bodySite", warning.Expression, StringComparison.Ordinal);
        Assert.Contains("Range of motion", warning.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AnIndicationOfUnknownSite_SuspendsTheSiteRule()
    {
        var issues = Check(Shoulder, s =>
        {
            s["painScores"]![0]!["site"] = "knee";
            s["indications"] = new JsonArray(new JsonObject { ["icd10cm"] = "M79.604", ["text"] = "Pain in right leg" });
        });

        Assert.DoesNotContain(issues, i => i.Code == IssueCodes.MeasuredSiteNotTreated);
    }
}
