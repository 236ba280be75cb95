using System.Text;
using System.Text.Json;
using System.Xml;
using Hl7.Fhir.Model;
using Hl7.Fhir.Serialization;
using StmFhir.Core.Mapping;

namespace StmFhir.Gateway.Fhir;

/// <summary>
/// FHIR answers in the format the client asks for: XML for <c>Accept: application/fhir+xml</c> (or <c>application/xml</c>
/// without JSON) or <c>_format=xml</c>, and indented for <c>_pretty=true</c>. Every endpoint writes JSON; only when
/// another form is asked is that JSON held, read as a resource and written again here, so the XML has the same content.
/// </summary>
internal sealed class FhirFormatMiddleware(RequestDelegate next)
{
    public const string FhirXml = "application/fhir+xml";

    private static readonly BaseFhirXmlSerializer s_xml = new(ModelInfo.ModelInspector);

    public async System.Threading.Tasks.Task InvokeAsync(HttpContext context)
    {
        var request = context.Request;
        var xml = WantsXml(request);
        var pretty = request.Query["_pretty"] == "true";
        if (!request.Path.StartsWithSegments(FhirUrls.Prefix) || (!xml && !pretty))
        {
            await next(context).ConfigureAwait(false);
            return;
        }
        var response = context.Response;
        var original = response.Body;
        using var buffer = new MemoryStream();
        response.Body = buffer;
        try
        {
            await next(context).ConfigureAwait(false);
        }
        finally
        {
            response.Body = original;
        }
        var body = buffer.ToArray();
        if (body.Length > 0 && response.ContentType?.Contains("json", StringComparison.OrdinalIgnoreCase) == true
            && JsonSerializer.Deserialize<Resource>(body, FhirJson.Lenient) is { } resource)
        {
            body = xml ? Xml(resource, pretty) : Encoding.UTF8.GetBytes(JsonSerializer.Serialize(resource, FhirJson.Pretty));
            if (xml)
            {
                response.ContentType = FhirXml + "; charset=utf-8";
            }
        }
        response.ContentLength = body.Length;
        await original.WriteAsync(body, context.RequestAborted).ConfigureAwait(false);
    }

    /// <summary>True for <c>_format</c> xml (or an XML media type), or an Accept that names an XML type and no JSON one.</summary>
    public static bool WantsXml(HttpRequest request)
    {
        if (request.Query["_format"].ToString() is { Length: > 0 } format)
        {
            return format.Contains("xml", StringComparison.OrdinalIgnoreCase);
        }
        var accept = request.Headers.Accept.ToString();
        return accept.Contains("xml", StringComparison.OrdinalIgnoreCase) && !accept.Contains("json", StringComparison.OrdinalIgnoreCase);
    }

    private static byte[] Xml(Resource resource, bool pretty)
    {
        using var stream = new MemoryStream();
        using (var writer = XmlWriter.Create(stream, new XmlWriterSettings { Indent = pretty, Encoding = new UTF8Encoding(false) }))
        {
            s_xml.Serialize(resource, writer, null);
        }
        return stream.ToArray();
    }
}
