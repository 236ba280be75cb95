using System.Formats.Tar;
using System.IO.Compression;
using System.Text.Json;
using Hl7.Fhir.Model;
using Task = System.Threading.Tasks.Task;

namespace StmFhir.Cli.Tests.Commands;

public sealed class PackageCommandTests
{
    [Fact]
    public async Task PackageHoldsManifestIndexAndEveryArtefactWithSnapshots()
    {
        using var folder = new TempFolder();
        var target = Path.Combine(folder.Path, "stm.tgz");
        var (exitCode, output, error) = await CliRunner.RunAsync("package", "--out", target);
        Assert.True(exitCode == 0, error);
        Assert.Contains("wrote " + target, output);

        var entries = ReadPackage(target);
        Assert.Contains("package/package.json", entries.Keys);
        var index = JsonDocument.Parse(entries["package/.index.json"]).RootElement;
        Assert.Equal(1, index.GetProperty("index-version").GetInt32());
        var artefacts = Directory.EnumerateFiles(Path.Combine(CliRunner.RepoRoot, "profiles"), "*.json").Select(Path.GetFileName).Where(n => n is not ("package.json" or ".index.json")).ToList();
        Assert.Equal(artefacts.Order(), index.GetProperty("files").EnumerateArray().Select(f => f.GetProperty("filename").GetString()).Order());

        var options = StmFhir.Core.Mapping.FhirJson.Strict;
        var profiles = entries.Where(e => e.Key.StartsWith("package/StructureDefinition-", StringComparison.Ordinal)).ToList();
        Assert.NotEmpty(profiles);
        Assert.All(profiles, e =>
        {
            var sd = JsonSerializer.Deserialize<StructureDefinition>(e.Value, options)!;
            Assert.True(sd.Snapshot?.Element.Count > 0, e.Key + " has no snapshot");
        });
    }

    [Fact]
    public async Task MissingProfilesFolderExitsTwo()
    {
        var (exitCode, _, error) = await CliRunner.RunAsync("package", "--profiles", "/no/such/folder", "--out", Path.Combine(Path.GetTempPath(), "x.tgz"));
        Assert.Equal(2, exitCode);
        Assert.Contains("does not exist", error);
    }

    private static Dictionary<string, string> ReadPackage(string path)
    {
        var entries = new Dictionary<string, string>();
        using var gzip = new GZipStream(File.OpenRead(path), CompressionMode.Decompress);
        using var tar = new TarReader(gzip);
        while (tar.GetNextEntry() is { } entry)
        {
            using var reader = new StreamReader(entry.DataStream!);
            entries[entry.Name] = reader.ReadToEnd();
        }
        return entries;
    }
}
