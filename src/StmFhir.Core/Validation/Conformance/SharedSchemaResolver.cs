using System.Collections.Concurrent;
using Firely.Fhir.Validation;
using Firely.Fhir.Validation.Compilation;
using Hl7.Fhir.Specification.Source;

namespace StmFhir.Core.Validation.Conformance;

/// <summary>
/// Compiled schemas shared by every pooled Firely validator: compiling a StructureDefinition into a schema is the
/// most expensive step of validation, so each is compiled once per process (under a lock: the compiler reads
/// SDK resources that are not thread-safe), and the immutable result is read by all threads.
/// </summary>
internal sealed class SharedSchemaResolver(IAsyncResourceResolver resolver) : IElementSchemaResolver
{
    private readonly ConcurrentDictionary<Canonical, ElementSchema?> _schemas = new();
#pragma warning disable ExperimentalApi // The schema compiler is the validator's own; "experimental" marks its API as unstable, not its results.
    private readonly IElementSchemaResolver _compiler = StructureDefinitionToElementSchemaResolver.Create(resolver, []);
#pragma warning restore ExperimentalApi
    private readonly Lock _gate = new();

    /// <summary>How many schemas have been compiled so far.</summary>
    public int Count => _schemas.Count;

    public ElementSchema? GetSchema(Canonical schemaUri)
    {
        if (_schemas.TryGetValue(schemaUri, out var schema))
        {
            return schema;
        }
        lock (_gate)
        {
            if (!_schemas.TryGetValue(schemaUri, out schema))
            {
                schema = _compiler.GetSchema(schemaUri);
                _schemas[schemaUri] = schema;
            }
            return schema;
        }
    }
}
