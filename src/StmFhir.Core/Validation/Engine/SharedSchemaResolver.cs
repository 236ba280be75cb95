using System.Collections.Concurrent;
using Firely.Fhir.Validation;
using Firely.Fhir.Validation.Compilation;
using Hl7.Fhir.Specification.Source;
using StmFhir.Core.Validation.Bounds;
using StmFhir.Core.Validation.FastPath;

namespace StmFhir.Core.Validation.Engine;

/// <summary>
/// Compiled schemas shared by every pooled Firely validator: compiling a StructureDefinition into a schema is the
/// most expensive step of validation, so each is compiled once per process (under a lock: the compiler reads
/// SDK resources that are not thread-safe), and the immutable result is read by all threads. Given a
/// <see cref="CleanElementMemo"/>, each schema is rewritten to use it (<see cref="SchemaMemoRewriter"/>). The core schemas
/// of date, dateTime and instant also check that a date is in the calendar (<see cref="CalendarDateValidator"/>), and
/// core invariant dom-3 is checked in linear time (<see cref="ContainedReferences"/>).
/// Every walk that repeats comes back here for a schema, so this is where it is bounded (<see cref="WalkGuard"/>).
/// </summary>
internal sealed class SharedSchemaResolver : IElementSchemaResolver
{
    private readonly ConcurrentDictionary<Canonical, ElementSchema?> _schemas = new();
    private readonly IElementSchemaResolver _compiler;
    private readonly SchemaMemoRewriter? _rewriter;
    private readonly Lock _gate = new();
    private readonly Definitions.ConformanceResolver.Misses _misses = new(); // the canonicals come from the input (meta.profile)

    public SharedSchemaResolver(IAsyncResourceResolver resolver, CleanElementMemo? memo = null, Func<string, bool>? isExtensionDefinition = null)
    {
#pragma warning disable ExperimentalApi // The schema compiler is the validator's own; "experimental" marks its API as unstable, not its results.
        _compiler = StructureDefinitionToElementSchemaResolver.Create(resolver, []);
#pragma warning restore ExperimentalApi
        _rewriter = memo is null ? null : new SchemaMemoRewriter(GetSchema, isExtensionDefinition ?? (static _ => false), memo);
    }

    /// <summary>How many schemas have been compiled so far.</summary>
    public int Count => _schemas.Count;

    public ElementSchema? GetSchema(Canonical schemaUri)
    {
        if (_schemas.TryGetValue(schemaUri, out var schema))
        {
            // Only here, not while compiling (under the lock, where an exception would leave the rewriter's notes
            // half made): a walk that repeats asks for compiled schemas (WalkGuard).
            WalkGuard.Check();
            return schema;
        }
        lock (_gate)
        {
            if (!_schemas.TryGetValue(schemaUri, out schema))
            {
                schema = _compiler.GetSchema(schemaUri);
                if (schema is not null)
                {
                    schema = ContainedReferences.AddTo(CalendarDateValidator.AddTo(schemaUri, schema));
                }
                if (schema is not null && _rewriter is not null)
                {
                    schema = _rewriter.Rewrite(schema);
                }
                if (schema is not null || _misses.Remember(schemaUri.ToString()))
                {
                    _schemas[schemaUri] = schema;
                }
            }
            return schema;
        }
    }
}
