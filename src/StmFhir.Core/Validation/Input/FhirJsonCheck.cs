using System.Text;
using System.Text.Json;
using Hl7.Fhir.Model;

namespace StmFhir.Core.Validation.Input;

/// <summary>
/// One forward pass over FHIR JSON before the FHIR parser sees it: the JSON syntax, nesting depth and number of
/// elements (<see cref="JsonCheckProblems.TooMany"/>), and what the
/// parser or Firely's validator cannot survive: a <c>resourceType</c> that is not a concrete resource type (at the
/// root or nested: contained, Bundle entries, Parameters), an empty property name, <c>null</c> in an array where
/// FHIR JSON does not allow it, and a primitive array and its <c>_</c> array of different lengths. Each problem is an
/// issue naming the element; any problem means the input is not parsed. Allocates nothing for a clean document but
/// its result (the working state is kept per thread).
/// The alignment of arrays is checked at the end of each object that needs it (<see cref="JsonArrayAlignment"/>).
/// </summary>
internal static class FhirJsonCheck
{
    /// <summary>The most problems reported one by one; the rest are counted.</summary>
    internal const int MaxProblems = 100;

    [ThreadStatic]
    private static JsonCheckScratch? t_scratch;

    /// <summary>
    /// The problems of <paramref name="json"/> (UTF-8, no byte order mark); empty when it may be parsed. More than
    /// <paramref name="maxElements"/> elements (each object and each value, array items each) stop the pass at once.
    /// </summary>
    public static List<ValidationIssue> Run(ReadOnlySpan<byte> json, int maxDepth, bool allowComments, int maxElements = int.MaxValue)
    {
        var scratch = t_scratch ?? new JsonCheckScratch();
        t_scratch = null; // not shared with a nested call on this thread (there is none; cheap insurance)
        try
        {
            return new Pass(json, maxDepth, allowComments, maxElements, scratch).Run();
        }
        finally
        {
            scratch.Reset();
            t_scratch = scratch;
        }
    }

    private ref struct Pass(ReadOnlySpan<byte> json, int maxDepth, bool allowComments, int maxElements, JsonCheckScratch scratch)
    {
        private int _elements;
        private readonly ReadOnlySpan<byte> _json = json;
        private JsonCheckProblems? _problems;
        private string? _rootType;
        private int _depth = -1;
        private int _pendingNameStart = -1;
        private int _pendingNameLength;
        private bool _expectType;
        private bool _expectString;

        public List<ValidationIssue> Run()
        {
            if (scratch.Frames.Length < maxDepth + 2)
            {
                scratch.Frames = new JsonFrame[maxDepth + 2];
            }
            var reader = new Utf8JsonReader(_json, new JsonReaderOptions
            {
                MaxDepth = maxDepth,
                CommentHandling = allowComments ? JsonCommentHandling.Skip : JsonCommentHandling.Disallow,
            });
            try
            {
                while (reader.Read())
                {
                    Step(ref reader);
                    if (_elements > maxElements)
                    {
                        return [JsonCheckProblems.TooMany(maxElements, JsonElements.Counted)];
                    }
                }
            }
            catch (JsonException e)
            {
                var deep = reader.CurrentDepth >= maxDepth - 1 && e.Message.Contains("depth", StringComparison.OrdinalIgnoreCase);
                return [JsonCheckProblems.Unreadable(deep
                    ? $"The JSON is nested deeper than {maxDepth} levels."
                    : $"The input is not valid JSON (line {e.LineNumber + 1}, byte {e.BytePositionInLine + 1}): {JsonCheckProblems.FirstSentence(e.Message)}")];
            }
            return _problems is null ? [] : _problems.Issues(_rootType ?? "Resource");
        }

        private void Step(ref Utf8JsonReader reader)
        {
            _elements += JsonElements.Counts(reader.TokenType) ? 1 : 0;
            switch (reader.TokenType)
            {
                case JsonTokenType.PropertyName:
                    ReadName(ref reader);
                    return;
                case JsonTokenType.StartArray when _depth < 0:
                    Problem(null, "The input is a JSON array; a FHIR resource is a JSON object.");
                    Push(isArray: true);
                    return;
                case JsonTokenType.StartObject or JsonTokenType.StartArray:
                    CheckString(reader.TokenType);
                    if (_expectType)
                    {
                        TypeProblem(null);
                    }
                    Push(reader.TokenType == JsonTokenType.StartArray);
                    return;
                case JsonTokenType.EndObject:
                    EndObject();
                    return;
                case JsonTokenType.EndArray:
                    EndArray();
                    return;
                default:
                    if (_depth < 0)
                    {
                        Problem(null, "The input is a single JSON value; a FHIR resource is a JSON object.");
                    }
                    Value(ref reader);
                    return;
            }
        }

        private void ReadName(ref Utf8JsonReader reader)
        {
            if (!JsonText.IsText(ref reader))
            {
                Problem(Path(_depth), "a property name is not valid UTF-8 (or escapes half of a surrogate pair); FHIR JSON is UTF-8 text.");
                _pendingNameStart = -1;
                _pendingNameLength = 0;
                _expectType = _expectString = false;
                return;
            }
            if (reader.ValueIsEscaped)
            {
                scratch.Names.Add(Encoding.UTF8.GetBytes(reader.GetString()!));
                _pendingNameStart = -2 - (scratch.Names.Count - 1);
                _pendingNameLength = scratch.Names[^1].Length;
            }
            else
            {
                _pendingNameStart = (int)reader.TokenStartIndex + 1;
                _pendingNameLength = reader.ValueSpan.Length;
            }
            if (_pendingNameLength == 0)
            {
                Problem(Path(_depth), "a property has an empty name, which no FHIR element has.");
            }
            _expectType = _pendingNameStart >= 0 && reader.ValueSpan.SequenceEqual("resourceType"u8);
            var name = NameOf(_pendingNameStart, _pendingNameLength);
            _expectString = name.SequenceEqual("id"u8) || name.SequenceEqual("url"u8);
        }

        /// <summary>
        /// Every FHIR element named <c>id</c> or <c>url</c> (element and resource ids, an extension's url, and the uri
        /// primitives of that name) is a JSON string. For <c>Element.id</c> and <c>Extension.url</c> neither the parser
        /// (syntax only) nor Firely's validator checks the JSON type: their type is FHIRPath's System.String, which has no
        /// schema, so <c>"url":3</c> passed as valid.
        /// </summary>
        private void CheckString(JsonTokenType token)
        {
            if (_expectString && token != JsonTokenType.String)
            {
                var name = NameOf(_pendingNameStart, _pendingNameLength);
                Problem(Path(_depth) + "." + Text(name), $"{Text(name)} must be a JSON string.");
            }
            _expectString = false;
        }

        private void Value(ref Utf8JsonReader reader)
        {
            CheckString(reader.TokenType);
            var characters = reader.TokenType == JsonTokenType.String ? JsonText.Characters(ref reader) : 0;
            if (characters < 0)
            {
                // Utf8JsonReader checks the bytes of a string only when it is read as text, which the parser (and the
                // resourceType check below) would do with an exception.
                Problem(Path(_depth) + NameSuffix(), "a string is not valid UTF-8 (or escapes half of a surrogate pair); FHIR JSON is UTF-8 text.");
                _expectType = false;
                AfterValue(ref reader);
                return;
            }
            if (characters > JsonText.MaxStringCharacters && Path(_depth) + NameSuffix() is var path && !JsonText.MayBeLong(path))
            {
                Problem(path, $"a string ({characters} characters) is longer than FHIR allows: at most {JsonText.MaxStringCharacters} (base64Binary data and narrative excepted).");
            }
            if (_expectType)
            {
                if (reader.TokenType == JsonTokenType.String && (reader.ValueIsEscaped ? ResourceTypeNames.IsConcrete(reader.GetString()!) : ResourceTypeNames.IsConcrete(reader.ValueSpan)))
                {
                    if (_depth == 0)
                    {
                        _rootType = reader.GetString();
                    }
                }
                else
                {
                    var name = reader.TokenType == JsonTokenType.String ? reader.GetString() : null;
                    if (_depth == 0)
                    {
                        _rootType = MessageText.Value(name ?? "Resource");
                    }
                    TypeProblem(name);
                }
                _expectType = false;
            }
            AfterValue(ref reader);
        }

        private readonly void AfterValue(ref Utf8JsonReader reader)
        {
            if (_depth >= 0 && scratch.Frames[_depth].IsArray)
            {
                ref var array = ref scratch.Frames[_depth];
                if (reader.TokenType == JsonTokenType.Null)
                {
                    scratch.Nulls.Add(array.Count);
                }
                array.Count++;
            }
        }

        /// <summary>The property's name for a value directly under an object, e.g. <c>.family</c>; nothing in an array.</summary>
        private readonly string NameSuffix() =>
            _depth >= 0 && !scratch.Frames[_depth].IsArray && _pendingNameLength > 0 ? "." + Text(NameOf(_pendingNameStart, _pendingNameLength)) : "";

        private void TypeProblem(string? name)
        {
            // The resource is the object holding resourceType: its path is the path of the current object (none at the root).
            Problem(_depth <= 0 ? null : Path(_depth), name is null
                ? "resourceType must be a string naming a FHIR R4 resource type."
                : $"resourceType {ResourceTypeNames.WhyNot(name)}; a resource must be of one of the {ModelInfo.SupportedResources.Count} concrete FHIR R4 resource types (Patient, Observation, Bundle, ...).");
            _expectType = false;
        }

        private void Push(bool isArray)
        {
            var frame = new JsonFrame { IsArray = isArray, NameStart = -1, RecordStart = scratch.Records.Count, NullStart = scratch.Nulls.Count };
            if (_depth >= 0)
            {
                ref var parent = ref scratch.Frames[_depth];
                if (parent.IsArray)
                {
                    frame.Index = parent.Count++;
                    parent.HasContainers = true;
                }
                else
                {
                    frame.NameStart = _pendingNameStart;
                    frame.NameLength = _pendingNameLength;
                }
            }
            scratch.Frames[++_depth] = frame;
        }

        private void EndArray()
        {
            var array = scratch.Frames[_depth--];
            if (_depth < 0)
            {
                return;
            }
            ref var parent = ref scratch.Frames[_depth];
            if (parent.IsArray)
            {
                // An array in an array: FHIR JSON has none, the parser reports it; its nulls are not alignment.
                scratch.Nulls.RemoveRange(array.NullStart, scratch.Nulls.Count - array.NullStart);
                return;
            }
            var nullCount = scratch.Nulls.Count - array.NullStart;
            scratch.Records.Add(new ArrayRecord(array.NameStart, array.NameLength, array.Count, array.NullStart, nullCount, array.HasContainers));
            parent.Pairs |= nullCount > 0 || NameOf(array.NameStart, array.NameLength) is [(byte)'_', _, ..];
        }

        private void EndObject()
        {
            ref var frame = ref scratch.Frames[_depth];
            if (frame.Pairs)
            {
                new JsonArrayAlignment(_json, scratch, _depth, frame.RecordStart).Check(ref _problems);
            }
            scratch.Records.RemoveRange(frame.RecordStart, scratch.Records.Count - frame.RecordStart);
            scratch.Nulls.RemoveRange(frame.NullStart, scratch.Nulls.Count - frame.NullStart);
            _depth--;
        }

        private readonly ReadOnlySpan<byte> NameOf(int start, int length) => scratch.NameOf(_json, start, length);

        private readonly string Path(int depth) => scratch.Path(_json, depth);

        private static string Text(ReadOnlySpan<byte> name) => JsonCheckProblems.Text(name);

        private void Problem(string? path, string message) => (_problems ??= new()).Add(path, message);
    }
}
