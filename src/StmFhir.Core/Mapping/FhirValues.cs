using System.Globalization;
using Hl7.Fhir.Model;
using StmFhir.Core.Sessions;
using StmFhir.Core.Terminology;

namespace StmFhir.Core.Mapping;

/// <summary>Conversions between session values and FHIR data types that every mapper shares.</summary>
internal static class FhirValues
{
    /// <summary>A FHIR dateTime keeping the UTC offset and every fractional digit (so the round trip is exact).</summary>
    public static string DateTime(DateTimeOffset value)
    {
        // The round-trip format ("O", yyyy-MM-ddTHH:mm:ss.fffffff+hh:mm) is the fast path; trailing zeros of the
        // fraction are then dropped, and the fraction with them when it is zero (a custom format string is ~7x slower).
        Span<char> text = stackalloc char[40];
        value.TryFormat(text, out var length, "O", CultureInfo.InvariantCulture);
        const int fractionStart = 20, fractionEnd = 27;
        var end = fractionEnd;
        while (end > fractionStart && text[end - 1] == '0')
        {
            end--;
        }
        if (end == fractionStart)
        {
            end = fractionStart - 1;
        }
        return string.Concat(text[..end], text[fractionEnd..length]);
    }

    public static DateTimeOffset? ParseDateTime(string? value) =>
        value is not null && value.Length > 10
        && DateTimeOffset.TryParse(value, CultureInfo.InvariantCulture, DateTimeStyles.None, out var parsed)
            ? parsed
            : null;

    public static string Date(DateOnly value) => value.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    public static DateOnly? ParseDate(string? value) =>
        DateOnly.TryParseExact(value, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var parsed)
            ? parsed
            : null;

    public static string UrnUuid(string id) => "urn:uuid:" + id;

    public static ResourceReference Reference(string id) => new(UrnUuid(id));

    public static Identifier Identifier(IdentifierRecord record) => new(record.System, record.Value);

    public static IdentifierRecord? Identifier(Identifier? identifier) =>
        identifier is { System: { } system, Value: { } value } ? new IdentifierRecord(system, value) : null;

    public static HumanName Name(PersonName name) => new() { Family = name.Family, Given = name.Given };

    public static PersonName? Name(HumanName? name) =>
        name?.Family is { } family ? new PersonName { Family = family, Given = [.. name.Given.OfType<string>()] } : null;

    /// <summary>A body site: the SNOMED coding of the site plus a laterality extension where there is one.</summary>
    public static CodeableConcept BodySite(Coding site, Laterality? laterality)
    {
        var concept = Concept(site);
        if (laterality is { } side)
        {
            concept.Extension.Add(new Extension(
                StmCanonical.Extensions.Laterality,
                Concept(StmCodes.Lateralities[side])));
        }
        return concept;
    }

    public static Laterality? LateralityOf(CodeableConcept? bodySite) =>
        StmCodes.Find(StmCodes.Lateralities, bodySite?.GetExtensionValue<CodeableConcept>(StmCanonical.Extensions.Laterality));

    /// <summary>
    /// A CodeableConcept holding copies of the given codings: the StmCodes tables are shared, so a resource
    /// must never hold (and a caller never mutate) the table's own Coding instances.
    /// </summary>
    public static CodeableConcept Concept(Coding coding, string? text = null) =>
        new() { Coding = [(Coding)coding.DeepCopy()], Text = text };

    public static CodeableConcept Concept(Coding first, Coding second) =>
        new() { Coding = [(Coding)first.DeepCopy(), (Coding)second.DeepCopy()] };

    public static Extension CodedExtension(string url, Coding coding) => new(url, Concept(coding));

    public static CodeableConcept? ExtensionConcept(IExtendable element, string url) =>
        element.GetExtensionValue<CodeableConcept>(url);

    // ProfileElement avoids the Profile setter's conversion of strings, which costs more than the rest of the Meta.
    public static Meta Profile(string profile) => new() { ProfileElement = [new Canonical(profile)] };
}
