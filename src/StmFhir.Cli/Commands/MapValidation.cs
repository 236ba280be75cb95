using Hl7.Fhir.Model;
using StmFhir.Core.Mapping;
using StmFhir.Core.Sessions;
using StmFhir.Core.Validation;

namespace StmFhir.Cli.Commands;

/// <summary>
/// <c>stmfhir map --validate</c>: the checks <c>POST /stm/sessions</c> runs on a session's Bundle (every layer of the
/// engine, clinical rules included), each issue printed with its STM field path as well as its FHIRPath, so a
/// developer sees before sending what the gateway will refuse or warn about.
/// </summary>
internal sealed class MapValidation
{
    private readonly StmValidator _engine;

    private MapValidation(StmValidator engine) => _engine = engine;

    /// <summary>The engine over <paramref name="profilesOption"/> (or the profiles found as <c>validate</c> finds them); null after a usage error.</summary>
    public static async Task<MapValidation?> CreateAsync(DirectoryInfo? profilesOption, TextWriter error)
    {
        if (profilesOption is { Exists: false })
        {
            await error.WriteLineAsync($"map: profiles folder {profilesOption} does not exist.");
            return null;
        }
        var profilesDirectory = profilesOption?.FullName ?? ProfilesLocation.Find();
        if (profilesDirectory is null)
        {
            await error.WriteLineAsync("map: no profiles folder found (use --profiles DIR); validating against core R4 only.");
        }
        return new MapValidation(StmValidator.Create(new StmValidatorOptions { ProfilesDirectory = profilesDirectory, CacheProgress = error.WriteLine }));
    }

    /// <summary>Validates the Bundle of <paramref name="session"/> and prints its issues (to <paramref name="error"/>: stdout holds the Bundle); true when none is an error.</summary>
    public async Task<bool> CheckAsync(string file, StmSession session, Bundle bundle, TextWriter error)
    {
        var report = _engine.Validate(bundle);
        var paths = new StmSourcePaths(session, bundle);
        foreach (var issue in report.Issues)
        {
            var location = paths.For(issue.Expression) is { } path ? $"{path} ({issue.Expression})" : issue.Expression ?? "(session)";
            await error.WriteLineAsync($"{file}: {issue.Severity.ToString().ToLowerInvariant()} {location} [{issue.Code}] {issue.Message}");
        }
        if (!report.IsValid)
        {
            await error.WriteLineAsync($"{file}: INVALID ({report.Errors.Count()} errors); no Bundle written, the gateway would refuse it (422).");
        }
        return report.IsValid;
    }
}
