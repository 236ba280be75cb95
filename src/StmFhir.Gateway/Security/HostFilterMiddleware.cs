using Hl7.Fhir.Model;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Primitives;
using StmFhir.Gateway.Configuration;
using StmFhir.Gateway.Fhir;

namespace StmFhir.Gateway.Security;

/// <summary>
/// Refuses (400) a request whose <c>Host</c> is not in <c>AllowedHosts</c>, with ASP.NET Core's matching rules
/// (<see cref="HostString.MatchesAny"/>). It replaces ASP.NET Core's own host filter, which runs before every other
/// middleware and so would answer without the correlation id and with an HTML page instead of an OperationOutcome.
/// </summary>
internal sealed class HostFilterMiddleware(RequestDelegate next, IOptions<PublicAddressOptions> options)
{
    private readonly StringSegment[]? _allowed = options.Value.EffectiveAllowedHosts() is var hosts && hosts.Contains("*")
        ? null
        : [.. hosts.Select(h => new StringSegment(h))];

    public System.Threading.Tasks.Task InvokeAsync(HttpContext context)
    {
        if (_allowed is null || (context.Request.Host.HasValue && HostString.MatchesAny(context.Request.Host.Value, _allowed)))
        {
            return next(context);
        }
        return Outcomes.Write(context, StatusCodes.Status400BadRequest, OperationOutcome.IssueType.Invalid,
            "The Host header names a host this gateway does not answer to (see AllowedHosts and Fhir:PublicBaseUrl)");
    }
}
