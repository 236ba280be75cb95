using System.Text.Json;
using System.Text.Json.Nodes;
using Hl7.Fhir.FhirPath;
using Hl7.Fhir.Model;
using StmFhir.Core.Mapping;
using StmFhir.Core.Validation.Interop;

namespace StmFhir.Core.Tests.Mapping;

/// <summary>
/// The literal ras-2 form passes R4's text of ras-2 as written, adds no number, and changes nothing else; what needs
/// no change is returned as is.
/// </summary>
public sealed class LiteralRas2FormTests
{
    private const string RiskProbability = "http://terminology.hl7.org/CodeSystem/risk-probability";

    [Fact]
    public void PredictionsWithOnlyAQualitativeRiskGetADataAbsentRangeAndPassTheLiteralRas2()
    {
        var assessment = new RiskAssessment
        {
            Id = "s",
            Status = ObservationStatus.Final,
            Subject = new ResourceReference("Patient/p"),
            Prediction =
            [
                new() { Outcome = new CodeableConcept { Text = "bruising" }, QualitativeRisk = new CodeableConcept(RiskProbability, "low") },
                new() { QualitativeRisk = new CodeableConcept(RiskProbability, "high") },
            ],
        };
        Assert.All(assessment.Prediction, p => Assert.False(p.IsTrue(InteroperabilityRules.LiteralRas2)));

        var json = LiteralRas2Form.Apply(JsonSerializer.SerializeToUtf8Bytes(assessment, FhirJson.Compact));
        var form = JsonSerializer.Deserialize<RiskAssessment>(json, FhirJson.Compact)!;

        Assert.All(form.Prediction, p => Assert.True(p.IsTrue(InteroperabilityRules.LiteralRas2)));
        Assert.Empty(InteroperabilityRules.Check(form));
        Assert.All(form.Prediction, p =>
        {
            var range = Assert.IsType<Hl7.Fhir.Model.Range>(p.Probability);
            Assert.Null(range.Low);
            Assert.Null(range.High);
            var reason = Assert.Single(range.Extension);
            Assert.Equal((LiteralRas2Form.DataAbsentReasonUrl, "unsupported"), (reason.Url, Assert.IsType<Code>(reason.Value).Value));
        });
        // Nothing else changed: without probability[x] it is the resource it was, the qualitative risks included.
        foreach (var p in form.Prediction)
        {
            p.Probability = null;
        }
        Assert.True(assessment.IsExactly(form));
        // probability[x] sits after outcome, as R4 orders the elements.
        var first = (JsonObject)JsonNode.Parse(json)!["prediction"]![0]!;
        Assert.Equal(["outcome", "probabilityRange", "qualitativeRisk"], first.Select(p => p.Key));
    }

    [Fact]
    public void ARiskAssessmentWhosePredictionsHaveAProbabilityIsReturnedAsItWas()
    {
        var assessment = new RiskAssessment
        {
            Prediction =
            [
                new() { Probability = new FhirDecimal(12m) },
                new() { Probability = new Hl7.Fhir.Model.Range { High = new Quantity(5m, "%") } },
                new() { Probability = new FhirDecimal { Extension = [new Extension("http://example.org/why", new FhirString("not known"))] } },
            ],
        };
        var json = JsonSerializer.SerializeToUtf8Bytes(assessment, FhirJson.Compact);

        Assert.Same(json, LiteralRas2Form.Apply(json));
        var none = JsonSerializer.SerializeToUtf8Bytes(new RiskAssessment { Id = "x" }, FhirJson.Compact);
        Assert.Same(none, LiteralRas2Form.Apply(none));
        var patient = JsonSerializer.SerializeToUtf8Bytes(new Patient { Id = "p" }, FhirJson.Compact);
        Assert.Same(patient, LiteralRas2Form.Apply(patient));
    }

    [Fact]
    public void EverySampleSessionInTheLiteralRas2FormMapsBackToTheSameSession()
    {
        foreach (var file in Directory.GetFiles(RepoPaths.Samples("sessions"), "*.json").Order(StringComparer.Ordinal))
        {
            var session = StmFhir.Core.Sessions.StmSessionReader.Read(File.ReadAllBytes(file)).Session!;
            var back = StmBundleMapper.ToSession(InLiteralRas2Form(StmBundleMapper.ToBundle(session)));
            Assert.True(back.IsValid, string.Join("\n", back.Problems));
            Assert.Equal(StmFhir.Core.Sessions.StmSessionWriter.Write(session), StmFhir.Core.Sessions.StmSessionWriter.Write(back.Session!));
        }
    }

    /// <summary>The Bundle as a strict target receives it: each resource serialised, RiskAssessments in the literal ras-2 form, read back.</summary>
    internal static Bundle InLiteralRas2Form(Bundle bundle)
    {
        var form = new Bundle { Type = bundle.Type };
        foreach (var entry in bundle.Entry)
        {
            var json = JsonSerializer.SerializeToUtf8Bytes(entry.Resource!, FhirJson.Compact);
            var resource = JsonSerializer.Deserialize<Resource>(entry.Resource is RiskAssessment ? LiteralRas2Form.Apply(json) : json, FhirJson.Compact)!;
            form.Entry.Add(new Bundle.EntryComponent { FullUrl = entry.FullUrl, Resource = resource, Request = entry.Request });
        }
        return form;
    }
}
