using System.Text;
using System.Text.Json.Nodes;
using StmFhir.Core.Sessions;

namespace StmFhir.Core.Tests.Sessions;

/// <summary>Single values: ranges, codes, date-times, URIs, text, numbers and encodings.</summary>
public sealed class StmSessionReaderValueTests
{
    [Theory]
    [InlineData("400")]
    [InlineData("-0.5")]
    [InlineData("360.01")]
    [InlineData("\"90\"")]
    [InlineData("true")]
    public void Read_DegreesOutOfRangeOrNotANumber_ReportsPathAndRange(string degrees)
    {
        var doc = ReaderAssert.Base();
        doc["romMeasurements"]![2]!["degrees"] = JsonNode.Parse(degrees);

        ReaderAssert.Problems(doc, "$.romMeasurements[2].degrees: must be a number between 0 and 360");
    }

    [Theory]
    [InlineData("0")]
    [InlineData("360")]
    [InlineData("12.5")]
    public void Read_DegreesAtOrInsideTheBounds_IsAccepted(string degrees)
    {
        var doc = ReaderAssert.Base();
        doc["romMeasurements"]![2]!["degrees"] = JsonNode.Parse(degrees);

        ReaderAssert.Valid(doc);
    }

    [Theory]
    [InlineData("snomed", "12345", "must be a SNOMED CT concept id (6-18 digits)")]
    [InlineData("snomed", "0202855006", "must be a SNOMED CT concept id (6-18 digits)")]
    [InlineData("icd10cm", "M7711", "must be an ICD-10-CM code with its dot, e.g. M77.12")]
    [InlineData("icd10cm", "m77.11", "must be an ICD-10-CM code with its dot, e.g. M77.12")]
    [InlineData("icd10cm", "M77.11 ", "must not start or end with whitespace")]
    public void Read_MalformedCode_ReportsTheExpectedShape(string field, string value, string message)
    {
        var doc = ReaderAssert.Base();
        doc["indications"]![0]![field] = value;

        ReaderAssert.Problems(doc, $"$.indications[0].{field}: {message}");
    }

    [Theory]
    [InlineData("2026-03-02T09:30:00Z")]
    [InlineData("2026-03-02T09:30:00.5-05:00")]
    [InlineData("2026-03-02T09:30:00.1234567+14:00")]
    [InlineData("2028-02-29T09:30:00+05:30")]
    public void Read_DateTimeWithSecondsAndOffset_IsAcceptedAndKeepsItsOffset(string start)
    {
        var doc = ReaderAssert.Base();
        doc["start"] = start;
        doc["end"] = "2030-01-01T00:00:00Z";

        var session = StmSessionReader.Read(doc.ToJsonString()).Session!;

        Assert.Equal(DateTimeOffset.Parse(start, System.Globalization.CultureInfo.InvariantCulture), session.Start);
        Assert.Equal(DateTimeOffset.Parse(start, System.Globalization.CultureInfo.InvariantCulture).Offset, session.Start.Offset);
    }

    [Theory]
    [InlineData("2026-03-02T09:30+01:00")]
    [InlineData("2026-03-02T09:30:00")]
    [InlineData("2026-03-02 09:30:00Z")]
    [InlineData("2026-02-30T09:30:00Z")]
    [InlineData("2026-03-02T09:30:00+15:00")]
    [InlineData("2026-03-02T09:30:00Z\n")]
    [InlineData("2026-03-02T09:30:00.12345678Z")]
    [InlineData("٢٠٢٦-03-02T09:30:00Z")]
    public void Read_DateTimeWithoutSecondsOffsetOrRealDate_IsRejected(string start)
    {
        var doc = ReaderAssert.Base();
        doc["start"] = start;

        ReaderAssert.Problems(doc, "$.start: must be a date-time with seconds and a UTC offset, e.g. 2026-03-02T09:30:00+01:00");
    }

    [Theory]
    [InlineData("/stm")]
    [InlineData("c:\\stm")]
    [InlineData("pt.example-clinic.org/stm")]
    [InlineData("https://pt.example clinic.org")]
    [InlineData("https://")]
    public void Read_SourceSystemNotAnAbsoluteUri_IsRejected(string uri)
    {
        var doc = ReaderAssert.Base();
        doc["sourceSystem"] = uri;

        ReaderAssert.Problems(doc, "$.sourceSystem: must be an absolute URI (e.g. https://clinic.example.org/stm or urn:oid:1.2.3)");
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    public void Read_EmptyText_IsRejected(string text)
    {
        var doc = ReaderAssert.Base();
        doc["lubricant"] = text;

        ReaderAssert.Problems(doc, "$.lubricant: must not be empty");
    }

    [Fact]
    public void Read_TextLongerThanItsLimit_ReportsTheLimit()
    {
        var doc = ReaderAssert.Base();
        doc["encounterId"] = new string('E', 65);
        doc["lubricant"] = new string('x', 201);

        ReaderAssert.Problems(doc, "$.encounterId: must be at most 64 characters", "$.lubricant: must be at most 200 characters");
    }

    [Theory]
    [InlineData("10.0")]
    [InlineData("1e1")]
    public void Read_WholeNumberWrittenWithAFractionOrExponent_IsRejected(string minutes)
    {
        var doc = ReaderAssert.Base();
        doc["regions"]![0]!["minutes"] = JsonNode.Parse(minutes);

        ReaderAssert.Problems(doc, "$.regions[0].minutes: must be a whole number between 1 and 120");
    }

    [Fact]
    public void Read_SchemaReferenceThatIsNotText_IsRejected()
    {
        var doc = ReaderAssert.Base();
        doc["$schema"] = 42;

        ReaderAssert.Problems(doc, "$.$schema: must be a string");
    }

    [Fact]
    public void Read_InvalidUtf8_ReportsThePathInsteadOfThrowing()
    {
        var bytes = Encoding.UTF8.GetBytes(ReaderAssert.Base().ToJsonString().Replace("Hoffmann", "Hoffm\u00e4nn", StringComparison.Ordinal));
        var at = bytes.AsSpan().IndexOf("\u00e4"u8);
        bytes[at + 1] = (byte)'(';

        var problem = Assert.Single(StmSessionReader.Read(bytes).Problems);

        Assert.Equal("$.patient.name.family: is not valid Unicode text (bad UTF-8 or an unpaired surrogate escape)", problem.ToString());
    }

    [Fact]
    public void Read_UnpairedSurrogateEscapeInAName_ReportsTheObjectInsteadOfThrowing()
    {
        var json = ReaderAssert.Base().ToJsonString().Replace("\"lubricant\"", "\"lubric\\ud800ant\"", StringComparison.Ordinal);

        var problem = Assert.Single(StmSessionReader.Read(json).Problems);

        Assert.Equal("$: has a property name that is not valid Unicode (bad UTF-8 or an unpaired surrogate escape)", problem.ToString());
    }

    [Fact]
    public void Read_Utf8ByteOrderMark_IsIgnored()
    {
        var bytes = Encoding.UTF8.GetPreamble().Concat(Encoding.UTF8.GetBytes(ReaderAssert.Base().ToJsonString())).ToArray();

        Assert.True(StmSessionReader.Read(bytes).IsValid);
    }
}
