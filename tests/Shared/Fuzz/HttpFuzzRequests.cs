using System.Text.Json.Nodes;

namespace StmFhir.Tests.Shared.Fuzz;

/// <summary>One request of a case: where it goes and how its body is made from the case's tree (or a reduced copy).</summary>
/// <param name="Endpoint">Method and route template, for grouping findings.</param>
/// <param name="Method">The HTTP method.</param>
/// <param name="Path">Path and query from the server root.</param>
/// <param name="Body">The body for a tree (null for GET); the argument is the case's tree or a reduced copy of it.</param>
/// <param name="ContentType">The Content-Type of the body.</param>
internal sealed record HttpFuzzRequest(string Endpoint, HttpMethod Method, string Path, Func<JsonObject?, byte[]?> Body, string? ContentType)
{
    /// <summary>True when <see cref="Body"/> is built from the case's tree, so the case can be minimized through it.</summary>
    public bool FromTree { get; init; }
}

/// <summary>
/// Every endpoint a case goes to: a resource to both <c>$validate</c>s, create, update, and inside a transaction and a
/// batch; a Bundle to both <c>$validate</c>s and <c>POST /fhir</c>; a session to <c>POST /stm/sessions</c>; a query case
/// to its GETs and to a batch of them.
/// </summary>
internal static class HttpFuzzRequests
{
    public static IReadOnlyList<HttpFuzzRequest> For(FuzzCase fuzzCase)
    {
        var seed = fuzzCase.Seed;
        if (fuzzCase.Kind == FuzzKinds.Query)
        {
            return [.. fuzzCase.Queries.Select(q => new HttpFuzzRequest(GetEndpoint(q), HttpMethod.Get, q, _ => null, null)),
                Post("POST /fhir (batch of GETs)", "/fhir", _ => FuzzBody.Write(fuzzCase.QueryBatch!), "application/fhir+json")];
        }
        if (seed.Kind == SeedKind.Session)
        {
            return [Tree(fuzzCase, "POST /stm/sessions", HttpMethod.Post, "/stm/sessions", d => d)];
        }
        var type = seed.ResourceType!;
        if (fuzzCase.Xml is { } xml)
        {
            List<HttpFuzzRequest> xmlRequests =
            [
                Post("POST /fhir/$validate", "/fhir/$validate", _ => xml, fuzzCase.ContentType),
                Post("POST /fhir/{type}/$validate", $"/fhir/{type}/$validate", _ => xml, fuzzCase.ContentType),
            ];
            xmlRequests.AddRange(seed.Kind == SeedKind.Bundle
                ? [Post("POST /fhir", "/fhir", _ => xml, fuzzCase.ContentType)]
                : [Post("POST /fhir/{type}", $"/fhir/{type}", _ => xml, fuzzCase.ContentType),
                   new HttpFuzzRequest("PUT /fhir/{type}/{id}", HttpMethod.Put, $"/fhir/{type}/{seed.Json["id"]}", _ => xml, fuzzCase.ContentType)]);
            return xmlRequests;
        }
        List<HttpFuzzRequest> requests =
        [
            Tree(fuzzCase, "POST /fhir/$validate", HttpMethod.Post, "/fhir/$validate", d => d),
            Tree(fuzzCase, "POST /fhir/{type}/$validate", HttpMethod.Post, $"/fhir/{type}/$validate", d => d),
        ];
        if (seed.Kind == SeedKind.Bundle)
        {
            requests.Add(Tree(fuzzCase, "POST /fhir", HttpMethod.Post, "/fhir", d => d));
            return requests;
        }
        var id = fuzzCase.Document?["id"] is JsonValue v && v.TryGetValue<string>(out var text) && text.Length is > 0 and < 100 && text.All(char.IsAsciiLetterOrDigit)
            ? text : seed.Json["id"]!.GetValue<string>();
        requests.Add(Tree(fuzzCase, "POST /fhir/{type}", HttpMethod.Post, $"/fhir/{type}", d => d));
        requests.Add(Tree(fuzzCase, "PUT /fhir/{type}/{id}", HttpMethod.Put, $"/fhir/{type}/{id}", d => d));
        requests.Add(Tree(fuzzCase, "POST /fhir (transaction)", HttpMethod.Post, "/fhir", d => Wrap(d, "transaction", "PUT", $"{type}/{id}")));
        requests.Add(Tree(fuzzCase, "POST /fhir (batch)", HttpMethod.Post, "/fhir", d => Wrap(d, "batch", "POST", type)));
        return requests;
    }

    private static HttpFuzzRequest Post(string endpoint, string path, Func<JsonObject?, byte[]?> body, string contentType) =>
        new(endpoint, HttpMethod.Post, path, body, contentType);

    private static HttpFuzzRequest Tree(FuzzCase fuzzCase, string endpoint, HttpMethod method, string path, Func<JsonObject, JsonNode> shape) =>
        new(endpoint, method, path, d => fuzzCase.Body(shape((d ?? fuzzCase.Document)!.DeepClone().AsObject())), fuzzCase.ContentType) { FromTree = true };

    private static JsonObject Wrap(JsonObject resource, string bundleType, string method, string url) => new()
    {
        ["resourceType"] = "Bundle",
        ["type"] = bundleType,
        ["entry"] = new JsonArray(new JsonObject
        {
            ["fullUrl"] = "urn:uuid:7d3c4e4e-0b5a-4a56-9a57-4d9f1f0a0f01",
            ["resource"] = resource,
            ["request"] = new JsonObject { ["method"] = method, ["url"] = url },
        }),
    };

    private static string GetEndpoint(string path)
    {
        var segments = path.Split('?')[0].Trim('/').Split('/');
        return segments.Length switch
        {
            2 => "GET /fhir/{type}?query",
            3 => "GET /fhir/{type}/{id}",
            4 => "GET /fhir/{type}/{id}/_history",
            _ => "GET /fhir/{type}/{id}/_history/{version}",
        };
    }
}
