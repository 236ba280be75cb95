using Hl7.Fhir.Model;
using StmFhir.Core.Mapping;
using StmFhir.Core.Sessions;

namespace StmFhir.Exchange.Pull;

/// <summary>
/// What a pulled Procedure's session goes through before it is stored, as a posted session does at intake: mapped back
/// to an STM session, the session format's rules, then every layer of the validation engine on the transaction Bundle
/// the session maps to. Errors keep it out of the store; warnings do not.
/// </summary>
internal sealed class PullChecks(IPullValidator validator)
{
    /// <summary>The session's transaction Bundle, or the issues that keep it out of the store (ids and codes, never content).</summary>
    public async Task<(Bundle? Session, IReadOnlyList<PullIssue> Issues)> CheckAsync(Procedure procedure, IReadOnlyList<Resource> related,
        CancellationToken cancellationToken)
    {
        var read = StmBundleMapper.ToSessions([procedure, .. related]).Single();
        if (!read.IsValid)
        {
            // The path names the resource at the target by its id and the element: Observation('o1').valueInteger.
            return (null, [.. read.Problems.Select(p => new PullIssue(PullIssueCodes.NotASession, p.Path, null))]);
        }
        var session = read.Session!;
        // The session format's own rules (lengths, ranges, end not before start): what intake's reader refuses.
        if (SessionRules.Check(session) is { Count: > 0 } broken)
        {
            return (null, [.. broken.Select(p => new PullIssue(PullIssueCodes.SessionRule, null, p.Path))]);
        }
        var bundle = StmBundleMapper.ToBundle(session);
        var report = await validator.ValidateAsync(bundle, cancellationToken).ConfigureAwait(false);
        if (report.IsValid)
        {
            return (bundle, []);
        }
        var paths = new StmSourcePaths(session, bundle);
        return (null, [.. report.Errors.Select(i => new PullIssue(i.Code, i.Expression, paths.For(i.Expression)))]);
    }
}
