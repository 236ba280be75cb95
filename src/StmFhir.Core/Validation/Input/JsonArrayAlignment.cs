using System.Globalization;
using System.Text;

namespace StmFhir.Core.Validation.Input;

/// <summary>
/// At the end of an object (for <see cref="FhirJsonCheck"/>): each array holding a null, and each primitive array with
/// its <c>_</c> array (ids and extensions of its values), against the rule of FHIR JSON. FHIR JSON allows <c>null</c>
/// only inside the array of a repeating primitive or its <c>_</c> array, to keep the two aligned: at an index where the
/// other array has something. Both arrays must then be equally long.
/// </summary>
/// <param name="json">The input.</param>
/// <param name="scratch">The pass's state; the object is the frame at <paramref name="depth"/>.</param>
/// <param name="depth">The object's depth.</param>
/// <param name="recordStart">Where the object's array records start.</param>
internal ref struct JsonArrayAlignment(ReadOnlySpan<byte> json, JsonCheckScratch scratch, int depth, int recordStart)
{
    // Looking a name up by a walk over the object's arrays is quadratic in their number; a hostile object can have
    // thousands, so past this many they are looked up by name.
    private const int WalkedArrays = 16;

    private readonly ReadOnlySpan<byte> _json = json;
    private Dictionary<string, int>? _byName;

    /// <summary>Adds the object's problems to <paramref name="problems"/> (made at the first).</summary>
    public void Check(ref JsonCheckProblems? problems)
    {
        var records = scratch.Records;
        _byName = records.Count - recordStart > WalkedArrays ? IndexByName() : null;
        for (var i = recordStart; i < records.Count; i++)
        {
            var record = records[i];
            var name = scratch.NameOf(_json, record.NameStart, record.NameLength);
            if (name is [(byte)'_', _, ..])
            {
                var values = Find(name[1..], underscore: false);
                if (values is { } v && v.Count != record.Count)
                {
                    (problems ??= new()).Add(scratch.Path(_json, depth) + "." + Text(name[1..]), string.Create(CultureInfo.InvariantCulture,
                        $"{Text(name[1..])} has {Items(v.Count)} but {Text(name)} has {record.Count}; FHIR JSON needs the two arrays equally long, with null where one has nothing."));
                }
                else
                {
                    CheckNulls(record, name[1..], values, underscoreHasNulls: true, ref problems);
                }
            }
            else if (record.NullCount > 0 && (record.HasContainers || Find(name, underscore: true) is null))
            {
                // With its _ array beside it, the pass over that array checks these nulls.
                CheckNulls(record, name, null, underscoreHasNulls: false, ref problems);
            }
        }
    }

    /// <summary>
    /// The nulls of one array of a pair (values or <c>_</c>): each allowed only where the other array of the pair
    /// exists, holds primitives (values) and has something at the same index.
    /// </summary>
    private readonly void CheckNulls(ArrayRecord record, ReadOnlySpan<byte> stem, ArrayRecord? other, bool underscoreHasNulls, ref JsonCheckProblems? problems)
    {
        var nulls = scratch.Nulls;
        var values = underscoreHasNulls ? other : record;
        for (var n = record.NullStart; n < record.NullStart + record.NullCount; n++)
        {
            var index = nulls[n];
            var where = string.Create(CultureInfo.InvariantCulture, $"{scratch.Path(_json, depth)}.{Text(stem)}[{index}]");
            if (other is not { } partner || values is { HasContainers: true })
            {
                (problems ??= new()).Add(where, $"null is not allowed here: FHIR JSON allows null only in the array of a repeating primitive element or in its _{Text(stem)} array, where the other array has something at the same index.");
            }
            else if (nulls.IndexOf(index, partner.NullStart, partner.NullCount) >= 0)
            {
                (problems ??= new()).Add(where, $"{Text(stem)} and _{Text(stem)} are both null at index {index}; FHIR JSON allows null in one of them only where the other has something.");
            }
        }
    }

    private readonly Dictionary<string, int> IndexByName()
    {
        var index = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = recordStart; i < scratch.Records.Count; i++)
        {
            index.TryAdd(Encoding.UTF8.GetString(scratch.NameOf(_json, scratch.Records[i].NameStart, scratch.Records[i].NameLength)), i);
        }
        return index;
    }

    private readonly ArrayRecord? Find(ReadOnlySpan<byte> stem, bool underscore)
    {
        var records = scratch.Records;
        if (_byName is { } byName)
        {
            var name = (underscore ? "_" : "") + Encoding.UTF8.GetString(stem);
            return byName.TryGetValue(name, out var at) ? records[at] : null;
        }
        for (var i = recordStart; i < records.Count; i++)
        {
            var name = scratch.NameOf(_json, records[i].NameStart, records[i].NameLength);
            if (underscore ? name is [(byte)'_', ..] && name[1..].SequenceEqual(stem) : name.SequenceEqual(stem))
            {
                return records[i];
            }
        }
        return null;
    }

    private static string Items(int count) => count == 1 ? "1 item" : string.Create(CultureInfo.InvariantCulture, $"{count} items");

    private static string Text(ReadOnlySpan<byte> name) => JsonCheckProblems.Text(name);
}
