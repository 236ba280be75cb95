using System.Collections.Concurrent;
using System.Text;
using Hl7.Fhir.Model;
using Hl7.Fhir.Serialization;
using Hl7.Fhir.Specification.Source;
using Hl7.Fhir.Specification.Summary;
using Hl7.Fhir.Utility;

namespace StmFhir.Core.Validation.Definitions;

/// <summary>
/// The R4 core StructureDefinitions, ValueSets and CodeSystems, split out of specification.zip into one JSON file
/// each with an index by canonical URL. Opening the SDK's <see cref="ZipSource"/> means scanning ~60 MB of XML
/// (about 1.7 s per process); opening this index takes milliseconds, and a definition is parsed only when asked for.
/// The split is made once per specification.zip and SDK version (see <see cref="ValidationCache"/>), from the very
/// resources the ZipSource returns, so both answer alike.
/// </summary>
internal sealed class CoreDefinitions : IResourceResolver
{
    private const string IndexFile = "index.tsv";
    private static readonly ResourceType[] s_kinds = [ResourceType.StructureDefinition, ResourceType.ValueSet, ResourceType.CodeSystem];

    private readonly string _folder;
    private readonly IReadOnlyDictionary<string, string> _files;
    private readonly ConcurrentDictionary<string, Resource> _parsed = new(StringComparer.Ordinal);

    private CoreDefinitions(string folder, IReadOnlyDictionary<string, string> files)
    {
        _folder = folder;
        _files = files;
    }

    /// <summary>How many definitions the index holds.</summary>
    public int Count => _files.Count;

    /// <summary>
    /// The split definitions of <paramref name="specificationZip"/> under <paramref name="cacheRoot"/>, made now if
    /// missing; falls back to a <see cref="ZipSource"/> (extracting into a folder of the cache) if the cache cannot be
    /// written. Without a cache root: a ZipSource extracting into StmFhir's own folder under the temp folder (never the
    /// SDK's shared one), reused by later processes. <c>progress</c> is told what a fill does and how long it took (never
    /// when the entry exists).
    /// </summary>
    public static IResourceResolver Open(string specificationZip, string? cacheRoot, Action<string>? progress = null)
    {
        var key = ValidationCache.Key(Path.GetDirectoryName(specificationZip)!, [specificationZip]);
        if (cacheRoot is null)
        {
            return new ZipSource(specificationZip, Path.Combine(Path.GetTempPath(), "stmfhir-spec-" + key));
        }
        var folder = Path.Combine(cacheRoot, "core-" + key);
        if (TryLoad(folder) is { } loaded)
        {
            return loaded;
        }
        // Splitting takes most of a minute: let one process (test runs start several) do it while the others wait.
        progress?.Invoke($"Validation cache: no R4 core definitions in {folder} yet; splitting them out of specification.zip (once per machine and SDK version, about a minute)");
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        using (ValidationCache.Lock(folder))
        {
            if (TryLoad(folder) is { } madeMeanwhile)
            {
                progress?.Invoke($"Validation cache: another process filled the core definitions meanwhile ({Seconds(started)} s)");
                return madeMeanwhile;
            }
            if (ValidationCache.TryPublish(folder, staging => Split(specificationZip, staging), f => File.Exists(Path.Combine(f, IndexFile))) && TryLoad(folder) is { } made)
            {
                progress?.Invoke($"Validation cache: core definitions split in {Seconds(started)} s");
                return made;
            }
        }
        progress?.Invoke("Validation cache: the folder cannot be written; this process reads the core definitions from specification.zip (slower)");
        // The cache cannot be written (read-only, full): work from the zip for this process.
        return new ZipSource(specificationZip, Path.Combine(Path.GetTempPath(), "stmfhir-spec-" + key));
    }

    private static string Seconds(long started) =>
        System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalSeconds.ToString("0.0", System.Globalization.CultureInfo.InvariantCulture);

    private static CoreDefinitions? TryLoad(string folder)
    {
        var index = Path.Combine(folder, IndexFile);
        if (!File.Exists(index))
        {
            return null;
        }
        var files = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var line in File.ReadLines(index))
        {
            var tab = line.IndexOf('\t', StringComparison.Ordinal);
            if (tab > 0)
            {
                files[line[..tab]] = line[(tab + 1)..];
            }
        }
        return new CoreDefinitions(folder, files);
    }

    private static void Split(string specificationZip, string staging)
    {
        var extract = Path.Combine(staging, "extract");
        var zip = new ZipSource(specificationZip, extract);
        var kinds = s_kinds.Select(k => k.ToString()).ToHashSet(StringComparer.Ordinal);
        var canonicals = new SortedSet<string>(
            zip.ListSummaries()
                .Where(s => s.ResourceTypeName is { } type && kinds.Contains(type))
                .Select(s => s.GetConformanceCanonicalUrl())
                .OfType<string>(),
            StringComparer.Ordinal);
        var index = new StringBuilder();
        var n = 0;
        foreach (var canonical in canonicals)
        {
            // Resolve by canonical, as the validator will: where a URL is defined twice, keep the one ZipSource returns.
            if (zip.TryResolveByCanonicalUri(canonical).Value is not { } resource)
            {
                continue;
            }
            var file = $"{resource.TypeName}-{n++}.json";
            File.WriteAllText(Path.Combine(staging, file), FhirSerialization.Json(resource));
            index.Append(canonical).Append('\t').Append(file).Append('\n');
        }
        Directory.Delete(extract, recursive: true);
        // The index is written last: a folder without it is never used.
        File.WriteAllText(Path.Combine(staging, IndexFile), index.ToString());
    }

    public Resource? ResolveByCanonicalUri(string uri)
    {
        var canonical = ConformanceResolver.StripVersion(uri);
        if (!_files.TryGetValue(canonical, out var file))
        {
            return null;
        }
        return _parsed.GetOrAdd(canonical, _ => FhirSerialization.ParseJsonAsIs(File.ReadAllText(Path.Combine(_folder, file))));
    }

    /// <summary>Core definitions live at their canonical URL.</summary>
    public Resource? ResolveByUri(string uri) => ResolveByCanonicalUri(uri);
}
