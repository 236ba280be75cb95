using Hl7.Fhir.Model;
using Hl7.Fhir.Serialization;

namespace StmFhir.Core.Tests.Profiles;

/// <summary>The FHIR package in profiles/: where it is, its resource files, and those files parsed.</summary>
internal static class ProfilesFolder
{
    private static readonly Lazy<IReadOnlyList<LoadedFile>> Loaded = new(LoadAll);

    /// <summary>The profiles/ folder.</summary>
    public static string Path => System.IO.Path.Combine(RepoPaths.Root, "profiles");

    /// <summary>
    /// File names of the FHIR resources in the package: every .json file but the NPM manifest and the index,
    /// which are package metadata, not resources.
    /// </summary>
    public static IReadOnlyList<string> ResourceFileNames =>
        [.. Directory.GetFiles(Path, "*.json")
            .Select(System.IO.Path.GetFileName)
            .OfType<string>()
            .Where(n => n is not ("package.json" or ".index.json"))
            .Order(StringComparer.Ordinal)];

    /// <summary>Every resource file, parsed.</summary>
    public static IReadOnlyList<LoadedFile> Files => Loaded.Value;

    public static IEnumerable<T> All<T>() where T : Resource => Files.Select(f => f.Resource).OfType<T>();

    /// <summary>Parses one file strictly, so that an unknown element or a wrong type fails the test.</summary>
    public static Resource Parse(string fileName) =>
        FhirJsonDeserializer.STRICT.DeserializeResource(File.ReadAllText(System.IO.Path.Combine(Path, fileName)));

    /// <summary>File names as xunit theory data.</summary>
    public static TheoryData<string> FileNamesWhere(Func<string, bool> predicate)
    {
        var data = new TheoryData<string>();
        foreach (var name in ResourceFileNames.Where(predicate))
        {
            data.Add(name);
        }
        return data;
    }

    private static IReadOnlyList<LoadedFile> LoadAll() => [.. ResourceFileNames.Select(n => new LoadedFile(n, Parse(n)))];
}

/// <summary>A resource file of the package and its parsed content.</summary>
internal sealed record LoadedFile(string FileName, Resource Resource);
