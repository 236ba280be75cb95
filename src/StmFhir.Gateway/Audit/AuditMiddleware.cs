using System.Text;
using StmFhir.Gateway.Fhir;

namespace StmFhir.Gateway.Audit;

/// <summary>
/// Records every access to patient data, and every request refused for its credential (401), its permissions (403) or
/// too many failed credentials (429), as an <see cref="AuditEntry"/> queued for <see cref="AuditWriter"/>. It sits in
/// front of authentication so that it sees those refusals. While a patient-data request runs, its request and response
/// bodies pass through a <see cref="PatientScanner"/> that notes the patients they name; nothing else of them is kept.
/// </summary>
internal sealed class AuditMiddleware(RequestDelegate next, AuditQueue queue, TimeProvider time)
{
    /// <summary>Most patients one record lists (a search page of Patients can name up to <c>Fhir:MaxPageSize</c>, 200 by default).</summary>
    public const int MaxPatients = 1000;

    public async Task InvokeAsync(HttpContext context)
    {
        var request = context.Request;
        var path = request.Path.Value ?? "";
        var interaction = AuditInteractions.Of(request.Method, path);
        PatientScanner? scanner = null;
        Stream? originalResponse = null;
        if (interaction is { PatientData: true })
        {
            scanner = new PatientScanner(MaxPatients);
            if (AuditInteractions.PatientInPath(path) is { } id)
            {
                scanner.Add(id);
            }
            if (request.QueryString.HasValue)
            {
                // A search for one patient's data names the patient in the query even when nothing matches; the "&" ends the last value.
                scanner.Scan(Encoding.UTF8.GetBytes(Uri.UnescapeDataString(request.QueryString.Value!) + "&"));
            }
            request.Body = new ScanningReadStream(request.Body, scanner);
            originalResponse = context.Response.Body;
            context.Response.Body = new ScanningWriteStream(originalResponse, scanner);
        }
        var status = 0;
        try
        {
            await next(context).ConfigureAwait(false);
            status = context.Response.StatusCode;
        }
        catch
        {
            status = StatusCodes.Status500InternalServerError;
            throw;
        }
        finally
        {
            if (originalResponse is not null)
            {
                context.Response.Body = originalResponse;
            }
            if (interaction.PatientData || status is 401 or 403 or 429)
            {
                queue.TryEnqueue(Entry(context, interaction, status, scanner));
            }
        }
    }

    private AuditEntry Entry(HttpContext context, AuditInteraction interaction, int status, PatientScanner? scanner)
    {
        var request = context.Request;
        var path = request.Path.Value ?? "";
        var target = AuditInteractions.Target(path);
        // The query of a search or history, and of a conditional update (its criteria name the resource).
        var queried = interaction.Subtype is "search-type" or "history-instance" or "history-type" or "history-system"
            || (interaction.Subtype == "update" && target is null);
        var query = queried && request.QueryString.HasValue ? request.QueryString.Value![1..] : null;
        target ??= CreatedTarget(context, status);
        return new AuditEntry(time.GetUtcNow(), interaction, status, AuditAgents.Of(context), FhirUrls.Base(request), target, query,
            scanner is null ? [] : [.. scanner.Patients], scanner?.Overflow ?? false);
    }

    /// <summary>The resource a create made, from its <c>Location</c> (<c>.../fhir/Type/id/_history/n</c>).</summary>
    private static string? CreatedTarget(HttpContext context, int status)
    {
        if (status != StatusCodes.Status201Created || context.Response.Headers.Location.ToString() is not { Length: > 0 } location)
        {
            return null;
        }
        var at = location.IndexOf("/fhir/", StringComparison.Ordinal);
        return at < 0 ? null : location[(at + "/fhir/".Length)..];
    }
}
