using System.Text;
using System.Text.Json;
using Hl7.Fhir.Utility;
using StmFhir.Exchange.Push;

namespace StmFhir.Exchange.Tests.Push;

public sealed class DeliveryBundleWriterTests
{
    private const string Observation = """
        {"resourceType":"Observation","id":"src","meta":{"versionId":"3","lastUpdated":"2025-01-01T00:00:00Z","profile":["https://example.org/p"]},
         "status":"final","subject":{"reference":"urn:uuid:patient"},"partOf":[{"reference":"Procedure/p1","display":"say \"hi\" \u00e9"}],
         "extension":[{"url":"x","valueReference":{"reference":"urn:uuid:patient"}}],"valueQuantity":{"value":1.50,"unit":"deg"},
         "contained":[{"resourceType":"Device","id":"dev"}]}
        """;

    [Fact]
    public void ResourceIsWrittenWithTheRequestsIdItsReferencesRewrittenAndWithoutTheSourcesVersion()
    {
        using var writer = new DeliveryBundleWriter("transaction");
        writer.Write("urn:uuid:obs", Encoding.UTF8.GetBytes(Observation), "target-id", r => r == "urn:uuid:patient" ? "Patient/42" : r, "PUT", "Observation/target-id", null);

        using var bundle = JsonDocument.Parse(writer.ToArray());

        var entry = bundle.RootElement.GetProperty("entry")[0];
        var resource = entry.GetProperty("resource");
        Assert.Equal("target-id", resource.GetProperty("id").GetString());
        Assert.Equal("""{"profile":["https://example.org/p"]}""", resource.GetProperty("meta").GetRawText());
        Assert.Equal("Patient/42", resource.GetProperty("subject").GetProperty("reference").GetString());
        Assert.Equal("Patient/42", resource.GetProperty("extension")[0].GetProperty("valueReference").GetProperty("reference").GetString());
        Assert.Equal("Procedure/p1", resource.GetProperty("partOf")[0].GetProperty("reference").GetString());
        Assert.Equal("say \"hi\" é", resource.GetProperty("partOf")[0].GetProperty("display").GetString());
        Assert.Equal("1.50", resource.GetProperty("valueQuantity").GetProperty("value").GetRawText());
        Assert.Equal("dev", resource.GetProperty("contained")[0].GetProperty("id").GetString());
        Assert.Equal("PUT", entry.GetProperty("request").GetProperty("method").GetString());
    }

    [Fact]
    public void ConditionalWriteHasNoIdAndAMetaWithOnlyTheVersionIsLeftOut()
    {
        using var writer = new DeliveryBundleWriter("batch");
        writer.Write("urn:uuid:p", """{"resourceType":"Patient","id":"local","meta":{"versionId":"1"},"active":true}"""u8, null, r => r, "POST", "Patient", "identifier=a|b");
        writer.Read("Observation/o1");

        using var bundle = JsonDocument.Parse(writer.ToArray());

        Assert.Equal(2, writer.Count);
        var entries = bundle.RootElement.GetProperty("entry");
        Assert.Equal("""{"resourceType":"Patient","active":true}""", entries[0].GetProperty("resource").GetRawText());
        Assert.Equal("identifier=a|b", entries[0].GetProperty("request").GetProperty("ifNoneExist").GetString());
        Assert.Equal("GET", entries[1].GetProperty("request").GetProperty("method").GetString());
    }

    [Fact]
    public void JsonAttachedToTheResourceIsUsedInsteadOfSerialisingItAgain()
    {
        var patient = new Hl7.Fhir.Model.Patient { Id = "p1", Active = true };
        var stored = """{"resourceType":"Patient","id":"p1","meta":{"versionId":"4"},"active":true}"""u8.ToArray();
        patient.AddAnnotation(new SerializedResource(stored));

        var item = new PlannedWrite { Index = 0, Source = "Patient/p1", Resource = patient, Mode = WriteMode.Put, Id = "p1", Placeholder = "urn:uuid:x" };

        Assert.Same(stored, item.Json);
        Assert.NotSame(stored, new PlannedWrite { Index = 0, Source = "Patient/p1", Resource = new Hl7.Fhir.Model.Patient { Id = "p1" }, Mode = WriteMode.Put, Id = "p1", Placeholder = "urn:uuid:x" }.Json);
    }

    [Fact]
    public void ReferencesAreFoundOnceEach() =>
        Assert.Equal(["urn:uuid:patient", "Procedure/p1"], DeliveryBundleWriter.References(Encoding.UTF8.GetBytes(Observation)));
}
