using System.Formats.Tar;
using System.IO.Compression;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Hl7.Fhir.Model;
using StmFhir.Core.Validation.Definitions;

namespace StmFhir.Core.Validation;

/// <summary>
/// Writes a profiles folder as an NPM-style FHIR package (<c>.tgz</c>): <c>package/package.json</c>,
/// <c>package/.index.json</c> and every artefact, StructureDefinitions with the snapshots the SDK generates, so that
/// servers that do not generate snapshots (HAPI, Firely Server, Medplum) can load it.
/// </summary>
public static class FhirPackageWriter
{
    // A fixed time stamp keeps the archive byte-identical for the same profiles.
    private static readonly DateTimeOffset s_timestamp = new(2020, 1, 1, 0, 0, 0, TimeSpan.Zero);

    /// <summary>Writes the package of <paramref name="profilesDirectory"/> to <paramref name="output"/>.</summary>
    /// <returns>Problems generating snapshots; the package is written anyway.</returns>
    public static IReadOnlyList<ValidationIssue> Write(string profilesDirectory, Stream output, StmValidatorOptions? options = null)
    {
        options ??= new StmValidatorOptions();
        var core = CoreDefinitions.Open(options.SpecificationZip, options.CacheDirectory);
        var profiles = ProfileSet.Load(profilesDirectory, core, options.CacheDirectory);

        var index = new JsonArray();
        using var gzip = new GZipStream(output, CompressionLevel.Optimal, leaveOpen: true);
        using var tar = new TarWriter(gzip, TarEntryFormat.Ustar, leaveOpen: false);
        var manifest = Path.Combine(profilesDirectory, "package.json");
        if (File.Exists(manifest))
        {
            Add(tar, "package/package.json", File.ReadAllBytes(manifest));
        }
        foreach (var file in ProfileSet.FilesOf(profilesDirectory))
        {
            var name = Path.GetFileName(file);
            var raw = File.ReadAllText(file);
            Resource resource;
            try
            {
                resource = FhirSerialization.ParseJson(raw);
            }
            catch (Exception e) when (e is JsonException or Hl7.Fhir.Serialization.DeserializationFailedException)
            {
                continue;
            }
            if (resource is IVersionableConformanceResource { Url: { } url } && profiles.ByCanonical.TryGetValue(url, out var prepared))
            {
                resource = prepared;
            }
            Add(tar, "package/" + name, Encoding.UTF8.GetBytes(FhirSerialization.Json(resource)));
            index.Add(IndexEntry(name, resource));
        }
        var indexJson = new JsonObject { ["index-version"] = 1, ["files"] = index };
        Add(tar, "package/.index.json", Encoding.UTF8.GetBytes(indexJson.ToJsonString(new JsonSerializerOptions { WriteIndented = true })));
        return profiles.Issues;
    }

    private static JsonObject IndexEntry(string fileName, Resource resource)
    {
        var entry = new JsonObject { ["filename"] = fileName, ["resourceType"] = resource.TypeName, ["id"] = resource.Id };
        if (resource is IVersionableConformanceResource conformance)
        {
            entry["url"] = conformance.Url;
            entry["version"] = conformance.Version;
        }
        if (resource is StructureDefinition sd)
        {
            entry["kind"] = sd.Kind?.ToString().ToLowerInvariant() switch { "complextype" => "complex-type", "primitivetype" => "primitive-type", var k => k };
            entry["type"] = sd.Type;
        }
        return entry;
    }

    private static void Add(TarWriter tar, string name, byte[] content)
    {
        var entry = new UstarTarEntry(TarEntryType.RegularFile, name)
        {
            DataStream = new MemoryStream(content),
            ModificationTime = s_timestamp,
            Mode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead,
        };
        tar.WriteEntry(entry);
    }
}
