using System.Collections;
using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using Hl7.Fhir.Model;

namespace StmFhir.Core.Validation.FastPath;

/// <summary>
/// Remembers which element values passed a context-free part of Firely's validation with no issue at all, so the
/// same value met again (a LOINC code, a category, a status, a unit, a body site) is not walked again. Only values
/// made of the datatypes in <see cref="ContextFreeTypes"/> are remembered: no Reference (checked against the Bundle),
/// no Extension (checked against where it sits), no contained resource, no unknown element (overflow); their
/// validation depends on nothing but the value itself and the (fixed) schemas, settings and terminology.
/// </summary>
internal sealed class CleanElementMemo
{
    /// <summary>
    /// The default number of new values a generation takes (keys of ~50-300 characters; two generations: some tens
    /// of MB at most). When the current generation is full it becomes the previous one and the one before is
    /// dropped; a value found only in the previous generation is copied into the current one. So values that keep
    /// coming back (codes, units, statuses) stay remembered while one-off ones (identifiers, times) do not pile up.
    /// </summary>
    public const int DefaultCapacity = 50_000;

    /// <summary>
    /// The longest key remembered, in characters. A longer one (a value holding a long string: a narrative, a
    /// megabyte of text sent to wear the gateway down) is left to Firely's walk and not remembered: one-off values do
    /// not come back, and a kept key of megabytes would outweigh thousands of useful ones.
    /// </summary>
    public const int MaxKeyLength = 2048;

    /// <summary>
    /// The most characters of keys a generation takes before it turns, whatever its count: with keys of up to
    /// <see cref="MaxKeyLength"/> the count alone would let a generation grow to hundreds of MB. Sample sessions' keys
    /// average ~100 characters, so this turns a generation of real keys at about its count.
    /// </summary>
    public const long GenerationCharacters = 8_000_000;

    /// <summary>
    /// Core datatypes whose validation reads only the value: their schemas hold no Reference, no FHIRPath with an
    /// environment variable other than a constant. Duration (a Quantity, the region minutes extension's value): its
    /// one invariant, drt-1, reads <c>%ucum</c>, FHIRPath's constant for the UCUM system url; its own schema is still
    /// not memoized (<see cref="SchemaMemoRewriter"/> leaves any invariant with <c>%</c> to Firely), but an extension
    /// holding one can be.
    /// </summary>
    public static readonly IReadOnlySet<string> ContextFreeTypes = new HashSet<string>(StringComparer.Ordinal)
    {
        "string", "code", "id", "uri", "url", "canonical", "oid", "uuid", "markdown", "dateTime", "date", "instant", "time",
        "decimal", "integer", "positiveInt", "unsignedInt", "boolean", "base64Binary",
        "Coding", "CodeableConcept", "Period", "Quantity", "Duration", "HumanName", "Identifier",
    };

    // Every key in either generation passed with no issue: a lookup racing with a change of generation may miss
    // (a miss is Firely's own walk), never answer wrongly.
    private volatile ConcurrentDictionary<string, byte> _current = new(StringComparer.Ordinal);
    private volatile ConcurrentDictionary<string, byte> _previous = new(StringComparer.Ordinal);
    private readonly Lock _turn = new();
    private readonly int _capacity;
    private int _added;
    private long _addedCharacters;

    public CleanElementMemo(int capacity = DefaultCapacity) => _capacity = capacity;

    /// <summary>How many values the current generation holds.</summary>
    public int Count => _current.Count;

    public bool IsKnownClean(string key) => IsKnownClean(key.AsSpan());

    /// <summary>Looks the key up without making a string of it (a string is made only to copy it from the previous generation).</summary>
    public bool IsKnownClean(ReadOnlySpan<char> key)
    {
        if (_current.GetAlternateLookup<ReadOnlySpan<char>>().ContainsKey(key))
        {
            return true;
        }
        if (!_previous.GetAlternateLookup<ReadOnlySpan<char>>().ContainsKey(key))
        {
            return false;
        }
        RememberClean(key.ToString());
        return true;
    }

    /// <summary>Whether a key this long may be remembered (<see cref="MaxKeyLength"/>); a longer one is not even looked up.</summary>
    public static bool Keeps(StringBuilder key) => key.Length <= MaxKeyLength;

    /// <summary>
    /// Looks up the text built so far, copied into a buffer of this thread's, without making a string of it. A key
    /// longer than <see cref="MaxKeyLength"/> is never known (and the thread's buffer does not grow to it).
    /// </summary>
    public bool IsKnownClean(StringBuilder key)
    {
        if (!Keeps(key))
        {
            return false;
        }
        var chars = t_chars is { } buffer && buffer.Length >= key.Length ? buffer : t_chars = new char[Math.Max(key.Length, 512)];
        key.CopyTo(0, chars, 0, key.Length);
        return IsKnownClean(chars.AsSpan(0, key.Length));
    }

    [ThreadStatic]
    private static char[]? t_chars;

    public void RememberClean(string key)
    {
        if (key.Length > MaxKeyLength)
        {
            return;
        }
        // Counted apart: ConcurrentDictionary.Count takes every lock of the map.
        if (_current.TryAdd(key, 0)
            && (Interlocked.Increment(ref _added) > _capacity | Interlocked.Add(ref _addedCharacters, key.Length) > GenerationCharacters))
        {
            lock (_turn)
            {
                if (Volatile.Read(ref _added) > _capacity || Volatile.Read(ref _addedCharacters) > GenerationCharacters)
                {
                    _previous = _current;
                    _current = new ConcurrentDictionary<string, byte>(StringComparer.Ordinal);
                    Volatile.Write(ref _added, 0);
                    Volatile.Write(ref _addedCharacters, 0);
                }
            }
        }
    }

    /// <summary>
    /// An exact, unambiguous rendering of the value (types, names, every primitive value and element id), or null
    /// when it holds anything whose validation may depend on more than the value itself. With
    /// <paramref name="extensions"/>, Extensions may be part of it (the caller accounts for where they sit).
    /// With <paramref name="prefix"/>, the rendering follows it in the one string.
    /// </summary>
    public static string? Fingerprint(Base value, bool extensions = false, string? prefix = null)
    {
        var text = RentText();
        text.Append(prefix);
        var key = AppendFingerprint(text, value, extensions) ? text.ToString() : null;
        ReturnText(text);
        return key;
    }

    /// <summary>
    /// Appends the value's <see cref="Fingerprint"/> to <paramref name="text"/>; false when it has none (the text
    /// is then partly written).
    /// </summary>
    public static bool AppendFingerprint(StringBuilder text, Base value, bool extensions = false) => Append(text, value, 0, extensions);

    /// <summary>An empty builder of this thread's, reused: a key is built for every value the memo stands before.</summary>
    public static StringBuilder RentText()
    {
        var text = t_text ?? new StringBuilder(256);
        t_text = null;
        return text.Clear();
    }

    public static void ReturnText(StringBuilder text)
    {
        if (text.Capacity <= 4096)
        {
            t_text = text;
        }
    }

    [ThreadStatic]
    private static StringBuilder? t_text;

    private static bool Append(StringBuilder text, Base value, int depth, bool extensions)
    {
        if (depth > 16 || value.HasOverflow
            || !(ContextFreeTypes.Contains(value.TypeName) || (extensions && value.TypeName == "Extension")))
        {
            return false;
        }
        text.Append('{').Append(value.TypeName);
        // A primitive's value is not one of its elements (only id and extension are): it is written first.
        if (value is PrimitiveType primitive && !AppendValue(text, primitive.JsonValue))
        {
            return false;
        }
        var (mapping, names) = PocoElements.Of(value.GetType());
        if (mapping is null && value.EnumerateElements().Any())
        {
            return false; // as before: an element of a type the model does not map is not as declared
        }
        foreach (var name in names)
        {
            if (!value.TryGetValue(name, out var child))
            {
                continue;
            }
            if (!AsDeclared(mapping, name, child))
            {
                return false;
            }
            text.Append(';').Append(name).Append('=');
            switch (child)
            {
                case Base element:
                    if (!Append(text, element, depth + 1, extensions))
                    {
                        return false;
                    }
                    break;
                case IList list:
                    text.Append('[');
                    for (var i = 0; i < list.Count; i++)
                    {
                        if (list[i] is not Base itemElement || !Append(text, itemElement, depth + 1, extensions))
                        {
                            return false;
                        }
                    }
                    text.Append(']');
                    break;
                default:
                    if (!AppendValue(text, child))
                    {
                        return false;
                    }
                    break;
            }
        }
        text.Append('}');
        return true;
    }

    /// <summary>
    /// Whether the node stands where its parent declares it, as one value or as one of a list. Recoverable parsing
    /// can leave a list where one value is declared (a repeated single element); Firely then reads those values
    /// differently from the objects themselves, so they are left to Firely.
    /// </summary>
    public static bool PlacedAsDeclared(PocoNode node)
    {
        var parent = ((PocoNodeOrList)node).Parent;
        if (parent is null)
        {
            return true;
        }
        var name = ((PocoNodeOrList)node).Name;
        return parent.Poco.TryGetValue(name, out var value)
            && AsDeclared(ModelInfo.ModelInspector.FindClassMapping(parent.Poco.GetType()), name, value);
    }

    private static bool AsDeclared(Hl7.Fhir.Introspection.ClassMapping? mapping, string name, object? value) =>
        mapping?.FindMappedElementByName(name) is { } element && (value is IList) == element.IsCollection;

    private static bool AppendValue(StringBuilder text, object? value)
    {
        switch (value)
        {
            case null:
                text.Append('~');
                return true;
            case string s when text.Length + s.Length > MaxKeyLength:
                // No key: it would not be remembered (RememberClean), and copying a long string into every
                // fingerprint of the elements above it (slice conditions, extensions) cost hundreds of MB per request.
                return false;
            case string s:
                AppendRaw(text, 's', s);
                return true;
            case bool b:
                text.Append(b ? "T" : "F");
                return true;
            case IFormattable formattable:
                // The .NET type is part of the key: 1 (integer) and 1 (decimal) are different values. Written as
                // AppendRaw would write the text type name + "|" + value.
                var type = value.GetType().Name;
                var formatted = formattable.ToString(null, CultureInfo.InvariantCulture);
                text.Append('v').Append(CultureInfo.InvariantCulture, $"{type.Length + 1 + formatted.Length}").Append(':')
                    .Append(type).Append('|').Append(formatted);
                return true;
            default:
                return false;
        }
    }

    private static void AppendRaw(StringBuilder text, char kind, string value) =>
        text.Append(kind).Append(CultureInfo.InvariantCulture, $"{value.Length}").Append(':').Append(value);
}
