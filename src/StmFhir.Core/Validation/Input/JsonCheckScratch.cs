using System.Text;

namespace StmFhir.Core.Validation.Input;

/// <summary>Where a value sits: the property that holds it (offset and length in the input) or its index in an array.</summary>
internal struct JsonFrame
{
    public bool IsArray;
    public int NameStart;   // -1 for a value in an array or the root; an escaped name: -2 - index into JsonCheckScratch.Names
    public int NameLength;
    public bool HasContainers; // arrays: an item is an object or an array (not a primitive's value)
    public int Index;       // the value's index in its array
    public int Count;       // arrays: items seen so far
    public int RecordStart; // objects: where this object's array records start in JsonCheckScratch.Records
    public int NullStart;   // where this frame's null indices start in JsonCheckScratch.Nulls
    public bool Pairs;      // objects: an array here starts with '_' or holds a null, so alignment is checked at the end
}

/// <summary>An array directly under an object, kept until the object ends: its name, length and null positions.</summary>
internal readonly record struct ArrayRecord(int NameStart, int NameLength, int Count, int NullStart, int NullCount, bool HasContainers);

/// <summary>
/// The working state of one <see cref="FhirJsonCheck"/> pass, kept per thread so that a clean document allocates
/// nothing: the open objects and arrays, the arrays of each open object, their nulls, and names written with escapes.
/// </summary>
internal sealed class JsonCheckScratch
{
    public JsonFrame[] Frames = new JsonFrame[66];
    public readonly List<ArrayRecord> Records = [];
    public readonly List<int> Nulls = [];
    public readonly List<byte[]> Names = [];

    public void Reset()
    {
        Records.Clear();
        Nulls.Clear();
        Names.Clear();
    }

    /// <summary>A property name's UTF-8 bytes: in <paramref name="json"/>, or copied when it was written with escapes.</summary>
    public ReadOnlySpan<byte> NameOf(ReadOnlySpan<byte> json, int start, int length) =>
        start >= 0 ? json.Slice(start, length) : start == -1 ? default : Names[-2 - start];

    /// <summary>
    /// The FHIRPath of the value at <paramref name="depth"/> below the root (e.g. <c>.contained[0].name[1]</c>);
    /// a <c>_</c> property is named as its element. Only made for a problem.
    /// </summary>
    public string Path(ReadOnlySpan<byte> json, int depth)
    {
        var text = new StringBuilder();
        for (var d = 1; d <= depth; d++)
        {
            var frame = Frames[d];
            if (Frames[d - 1].IsArray)
            {
                text.Append('[').Append(frame.Index).Append(']');
                continue;
            }
            var name = NameOf(json, frame.NameStart, frame.NameLength);
            text.Append('.').Append(JsonCheckProblems.Text(name is [(byte)'_', _, ..] ? name[1..] : name));
        }
        return text.ToString();
    }
}
