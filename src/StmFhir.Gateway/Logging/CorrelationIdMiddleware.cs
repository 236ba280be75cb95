using System.Text.RegularExpressions;
using Serilog.Context;

namespace StmFhir.Gateway.Logging;

/// <summary>
/// Gives every request a correlation id: the caller's <c>X-Correlation-Id</c> when it is a plain token, else a new one.
/// It is echoed in the response, is the request's TraceIdentifier, and is on every log event of the request.
/// </summary>
internal sealed partial class CorrelationIdMiddleware(RequestDelegate next)
{
    public const string Header = "X-Correlation-Id";

    public async Task InvokeAsync(HttpContext context)
    {
        var given = context.Request.Headers[Header].ToString();
        var id = SafeToken().IsMatch(given) ? given : Guid.NewGuid().ToString("N");
        context.TraceIdentifier = id;
        context.Response.Headers[Header] = id;
        using (LogContext.PushProperty("CorrelationId", id))
        {
            await next(context).ConfigureAwait(false);
        }
    }

    // Only a short token is echoed and logged: anything else could smuggle data into the logs.
    [GeneratedRegex("^[A-Za-z0-9._:-]{8,64}$")]
    private static partial Regex SafeToken();
}
