using Hl7.Fhir.Model;
using StmFhir.Core.Mapping;
using StmFhir.Core.Sessions;

namespace StmFhir.Benchmarks.Validation;

/// <summary>The sample session Bundles (samples/bundles, else samples/sessions mapped) and their profiled Procedures.</summary>
internal static class ValidationInputs
{
    public static string Profiles => Path.Combine(RepoFiles.Root, "profiles");

    public static IReadOnlyList<Bundle> SessionBundles()
    {
        var bundles = Directory.Exists(RepoFiles.Samples("bundles"))
            ? Directory.GetFiles(RepoFiles.Samples("bundles"), "*.json").Order(StringComparer.Ordinal).Select(f => FhirJson.Deserialize<Bundle>(File.ReadAllText(f))).ToList()
            : [];
        if (bundles.Count == 0 && Directory.Exists(RepoFiles.Samples("sessions")))
        {
            bundles = [.. Directory.GetFiles(RepoFiles.Samples("sessions"), "*.json").Order(StringComparer.Ordinal)
                .Select(f => StmSessionReader.Read(File.ReadAllBytes(f)).Session).OfType<StmSession>().Select(StmBundleMapper.ToBundle)];
        }
        return bundles.Count > 0 ? bundles : throw new InvalidOperationException("No samples/bundles or samples/sessions to validate.");
    }

    public static IReadOnlyList<Procedure> ProfiledProcedures(IEnumerable<Bundle> bundles) =>
        [.. bundles.SelectMany(b => b.Entry).Select(e => e.Resource).OfType<Procedure>().Where(p => p.Meta?.Profile.Any() == true)];
}
