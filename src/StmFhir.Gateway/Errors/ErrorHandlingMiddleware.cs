using Hl7.Fhir.Model;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Options;
using StmFhir.Gateway.Configuration;
using StmFhir.Gateway.Fhir;
using StmFhir.Gateway.Logging;
using StmFhir.Gateway.Security;

namespace StmFhir.Gateway.Errors;

/// <summary>
/// The outermost guard: a body declared larger than the limit gets 413 before it is read, any 4xx/5xx without a body
/// gets an OperationOutcome, and an unexpected exception becomes a 500 OperationOutcome that names the correlation id,
/// never a stack trace. The exception is logged by type and stack only: its message may quote request data.
/// </summary>
internal sealed class ErrorHandlingMiddleware(RequestDelegate next, IOptions<FhirOptions> options, ILogger<ErrorHandlingMiddleware> logger)
{
    // Room for the framing of any chunked body under the limit: a one-byte chunk takes six bytes ("1\r\nx\r\n").
    private const int ChunkFramingAllowance = 8;

    private readonly long _limit = options.Value.MaxRequestBodyBytes;

    public async System.Threading.Tasks.Task InvokeAsync(HttpContext context)
    {
        if (context.Request.ContentLength > _limit)
        {
            await FhirRequestReader.TooLarge(_limit).ExecuteAsync(context).ConfigureAwait(false);
            return;
        }
        LimitBody(context);
        try
        {
            await next(context).ConfigureAwait(false);
        }
        catch (BadHttpRequestException e) when (!context.Response.HasStarted)
        {
            await (e.StatusCode == StatusCodes.Status413PayloadTooLarge
                ? FhirRequestReader.TooLarge(_limit)
                : Outcomes.Result(e.StatusCode, OperationOutcome.IssueType.Invalid, "The request could not be read")).ExecuteAsync(context).ConfigureAwait(false);
            return;
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            return;
        }
        catch (Exception e) when (!context.Response.HasStarted)
        {
            logger.LogError("Unhandled {ExceptionType} while serving {RouteTemplate}{NewLine}{StackTrace}",
                e.GetType().FullName, RouteTemplate(context), Environment.NewLine, e.StackTrace);
            context.Response.Clear();
            // Clear() took every header: the answer still names its correlation id and keeps the API headers.
            context.Response.Headers[CorrelationIdMiddleware.Header] = context.TraceIdentifier;
            ApiHeadersMiddleware.Apply(context);
            await Outcomes.Write(context, StatusCodes.Status500InternalServerError, OperationOutcome.IssueType.Exception,
                $"The server failed to process the request; quote correlation id {context.TraceIdentifier} when reporting it").ConfigureAwait(false);
            return;
        }
        if (context.Response is { StatusCode: >= 400, HasStarted: false, ContentLength: null } response && string.IsNullOrEmpty(response.ContentType))
        {
            await Outcomes.Write(context, response.StatusCode, response.StatusCode switch
            {
                StatusCodes.Status404NotFound => OperationOutcome.IssueType.NotFound,
                StatusCodes.Status405MethodNotAllowed => OperationOutcome.IssueType.NotSupported,
                StatusCodes.Status415UnsupportedMediaType => OperationOutcome.IssueType.NotSupported,
                _ => OperationOutcome.IssueType.Processing,
            }, response.StatusCode switch
            {
                StatusCodes.Status404NotFound => "No such endpoint or resource type",
                StatusCodes.Status405MethodNotAllowed => "This HTTP method is not supported here",
                _ => $"The request failed with HTTP {response.StatusCode}",
            }).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// A body with a Content-Length is limited by Kestrel, exactly. A body without one (chunked) is limited by its
    /// content, which Kestrel cannot do (it counts the framing too): Kestrel keeps a ceiling with room for the framing,
    /// and <see cref="ContentLimitStream"/> counts the content.
    /// </summary>
    private void LimitBody(HttpContext context)
    {
        var size = context.Features.Get<IHttpMaxRequestBodySizeFeature>();
        var chunked = context.Request.ContentLength is null && context.Features.Get<IHttpRequestBodyDetectionFeature>()?.CanHaveBody == true;
        if (size is { IsReadOnly: false })
        {
            size.MaxRequestBodySize = chunked ? _limit * ChunkFramingAllowance : _limit;
        }
        if (chunked)
        {
            context.Request.Body = new ContentLimitStream(context.Request.Body, _limit);
        }
    }

    public static string RouteTemplate(HttpContext context) =>
        (context.GetEndpoint() as RouteEndpoint)?.RoutePattern.RawText ?? "(no route)";
}
