using Hl7.Fhir.Model;
using StmFhir.Exchange.Store;
using StmFhir.Gateway.Package;

namespace StmFhir.Gateway.Fhir;

/// <summary><c>GET /fhir/metadata</c>: the CapabilityStatement, open to anyone so clients can discover how to authenticate.</summary>
internal static class MetadataEndpoints
{
    public static IEndpointRouteBuilder MapFhirMetadata(this IEndpointRouteBuilder app)
    {
        app.MapGet(FhirUrls.Prefix + "/metadata", (HttpRequest request, ProfileCatalog catalog, Microsoft.Extensions.Options.IOptions<Configuration.FhirOptions> options) =>
            {
                var statement = CapabilityStatementFactory.Create(FhirUrls.Base(request), catalog);
                statement.Rest[0].Security!.Cors = options.Value.CorsAllowedOrigins.Count > 0;
                return new FhirJsonResult(StatusCodes.Status200OK, statement);
            })
            .ExcludeFromDescription().AllowAnonymous();
        return app;
    }
}

/// <summary>Describes what the facade really does: the stored types with their interactions and search parameters, the profiles, $validate.</summary>
internal static class CapabilityStatementFactory
{
    private const string ValidateOperation = "http://hl7.org/fhir/OperationDefinition/Resource-validate";

    private const string SearchDocumentation = "Search (GET {type}? or POST {type}/_search with a form body) also takes: "
        + "_sort on _id, _lastUpdated and each date and token parameter (several keys, - for descending); "
        + "_include and _revinclude as listed per type, and their :iterate forms one level deep; "
        + "_summary (true, text, data, count, false) or _elements; _count and _offset; "
        + "the modifiers :missing (type-specific parameters), :not (tokens) and :Type (references); "
        + "chains one level deep through a reference to a stored type (patient.identifier, subject:Patient.identifier). "
        + "Any other parameter or modifier is refused with 400, unless the request has Prefer: handling=lenient.";

    private static IEnumerable<SearchParameterDefinition> References(string type) =>
        SearchParameterCatalog.For(type).Where(p => p.Kind == SearchParamKind.Reference);

    // Long method: the CapabilityStatement as one declaration, shaped like the resource it builds.
    public static CapabilityStatement Create(string baseUrl, ProfileCatalog catalog)
    {
        var version = typeof(CapabilityStatementFactory).Assembly.GetName().Version?.ToString(3) ?? "0.0.0";
        var statement = new CapabilityStatement
        {
            Url = $"{baseUrl}/metadata",
            Name = "StmFhirGateway",
            Title = "StmFhir gateway",
            Status = PublicationStatus.Active,
            Date = "2026-01-01",
            Publisher = "StmFhir",
            Kind = CapabilityStatementKind.Instance,
            Software = new CapabilityStatement.SoftwareComponent { Name = "StmFhir gateway", Version = version },
            Implementation = new CapabilityStatement.ImplementationComponent { Description = "StmFhir gateway for soft tissue mobilization therapy data", Url = baseUrl },
            FhirVersion = FHIRVersion.N4_0_1,
            Format = ["application/fhir+json", "json", "application/fhir+xml", "xml"],
            ImplementationGuide = catalog.OfType("ImplementationGuide").Select(ig => ig.Url).OfType<string>().ToList(),
        };
        var rest = new CapabilityStatement.RestComponent
        {
            Mode = CapabilityStatement.RestfulCapabilityMode.Server,
            Documentation = "Patient data needs a credential: an API key (X-Api-Key, or Authorization: Bearer) or an OAuth2 JWT bearer token "
                + "with SMART scopes (v1 system/Observation.read, v2 system/Observation.rs, per resource type and interaction; patient/ scopes grant nothing) "
                + "or stmfhir.read / stmfhir.write. XML request bodies are read; answers are JSON, or XML for Accept: application/fhir+xml or _format=xml, indented with _pretty=true. "
                + SearchDocumentation,
            Security = new CapabilityStatement.SecurityComponent
            {
                Cors = false,
                Service = [new CodeableConcept("http://terminology.hl7.org/CodeSystem/restful-security-service", "OAuth", "OAuth")],
                Description = "OAuth2 JWT bearer tokens or static API keys",
            },
            Interaction =
            [
                new CapabilityStatement.SystemInteractionComponent { Code = CapabilityStatement.SystemRestfulInteraction.Transaction },
                new CapabilityStatement.SystemInteractionComponent { Code = CapabilityStatement.SystemRestfulInteraction.Batch },
                new CapabilityStatement.SystemInteractionComponent { Code = CapabilityStatement.SystemRestfulInteraction.HistorySystem },
            ],
            Operation = [new CapabilityStatement.OperationComponent { Name = "validate", Definition = ValidateOperation }],
        };
        foreach (var type in SearchParameterCatalog.ResourceTypes)
        {
            rest.Resource.Add(new CapabilityStatement.ResourceComponent
            {
                Type = type,
                Profile = $"http://hl7.org/fhir/StructureDefinition/{type}",
                SupportedProfile = catalog.Profiles.Where(p => p.ConstrainedType == type).Select(p => p.Url).OfType<string>().ToList(),
                Interaction = [.. new[]
                {
                    CapabilityStatement.TypeRestfulInteraction.Read, CapabilityStatement.TypeRestfulInteraction.Vread,
                    CapabilityStatement.TypeRestfulInteraction.HistoryInstance, CapabilityStatement.TypeRestfulInteraction.HistoryType,
                    CapabilityStatement.TypeRestfulInteraction.SearchType,
                    CapabilityStatement.TypeRestfulInteraction.Create, CapabilityStatement.TypeRestfulInteraction.Update,
                    CapabilityStatement.TypeRestfulInteraction.Patch, CapabilityStatement.TypeRestfulInteraction.Delete,
                }.Select(code => new CapabilityStatement.ResourceInteractionComponent { Code = code })],
                Versioning = CapabilityStatement.ResourceVersionPolicy.VersionedUpdate,
                ReadHistory = true,
                UpdateCreate = true,
                ConditionalCreate = true,
                ConditionalUpdate = true,
                ConditionalRead = CapabilityStatement.ConditionalReadStatus.FullSupport,
                ConditionalDelete = CapabilityStatement.ConditionalDeleteStatus.Single,
                SearchInclude = [.. References(type).Select(p => $"{type}:{p.Name}")],
                SearchRevInclude = [.. SearchParameterCatalog.ResourceTypes.SelectMany(source => References(source)
                    .Where(p => p.Targets.Count == 0 || p.Targets.Contains(type)).Select(p => $"{source}:{p.Name}"))],
                SearchParam = [.. SearchParameterCatalog.Common.Concat(SearchParameterCatalog.For(type)).Select(p => new CapabilityStatement.SearchParamComponent
                {
                    Name = p.Name,
                    Definition = p.Definition.Length > 0 ? p.Definition : null,
                    Type = p.Kind switch
                    {
                        SearchParamKind.Token => SearchParamType.Token,
                        SearchParamKind.Reference => SearchParamType.Reference,
                        _ => SearchParamType.Date,
                    },
                    Documentation = p.Description,
                })],
                Operation = [.. Operations(type)],
            });
        }
        foreach (var type in ProfileCatalog.Types.Order(StringComparer.Ordinal))
        {
            rest.Resource.Add(new CapabilityStatement.ResourceComponent
            {
                Type = type,
                Documentation = "The StmFhir package (read-only, no credential needed)",
                Interaction =
                [
                    new CapabilityStatement.ResourceInteractionComponent { Code = CapabilityStatement.TypeRestfulInteraction.Read },
                    new CapabilityStatement.ResourceInteractionComponent { Code = CapabilityStatement.TypeRestfulInteraction.SearchType },
                ],
                SearchParam =
                [
                    new CapabilityStatement.SearchParamComponent { Name = "url", Type = SearchParamType.Uri },
                    new CapabilityStatement.SearchParamComponent { Name = "name", Type = SearchParamType.String },
                    new CapabilityStatement.SearchParamComponent { Name = "version", Type = SearchParamType.Token },
                    new CapabilityStatement.SearchParamComponent { Name = "_id", Type = SearchParamType.Token },
                ],
            });
        }
        rest.Resource.Add(Audit.AuditEndpoints.CapabilityResource());
        statement.Rest.Add(rest);
        return statement;
    }

    private static IEnumerable<CapabilityStatement.OperationComponent> Operations(string type)
    {
        yield return new CapabilityStatement.OperationComponent { Name = "validate", Definition = ValidateOperation };
        if (type == "Patient")
        {
            yield return new CapabilityStatement.OperationComponent
            {
                Name = OutcomeTrends.PatientOutcomesEndpoints.OperationName,
                Definition = OutcomeTrends.PatientOutcomesEndpoints.OperationUrl,
                Documentation = "Pain and range of motion across the patient's STM sessions (needs read on Patient, Procedure and Observation)",
            };
        }
    }
}
