using System.Globalization;
using System.Text;
using Hl7.Fhir.Model;

namespace StmFhir.Core.Validation.Input;

internal static partial class FhirJsonCheck
{
    private ref partial struct Pass
    {
        /// <summary>
        /// At the end of an object: each array holding a null, and each primitive array with its <c>_</c> array (ids and
        /// extensions of its values), against the rule of FHIR JSON. Only for an object that has such an array.
        /// </summary>
        private void CheckAlignment(int recordStart)
        {
            var records = scratch.Records;
            // Looking a name up by a walk over the object's arrays is quadratic in their number; a hostile object can
            // have thousands, so past a few they are looked up by name.
            _byName = records.Count - recordStart > 16 ? IndexByName(recordStart) : null;
            for (var i = recordStart; i < records.Count; i++)
            {
                var record = records[i];
                var name = NameOf(record.NameStart, record.NameLength);
                if (name is [(byte)'_', _, ..])
                {
                    var values = Find(recordStart, name[1..], underscore: false);
                    if (values is { } v && v.Count != record.Count)
                    {
                        Problem(Path(_depth) + "." + Text(name[1..]), string.Create(CultureInfo.InvariantCulture,
                            $"{Text(name[1..])} has {Items(v.Count)} but {Text(name)} has {record.Count}; FHIR JSON needs the two arrays equally long, with null where one has nothing."));
                    }
                    else
                    {
                        CheckNulls(record, name[1..], values, underscoreHasNulls: true);
                    }
                }
                else if (record.NullCount > 0 && (record.HasContainers || Find(recordStart, name, underscore: true) is null))
                {
                    // With its _ array beside it, the pass over that array checks these nulls.
                    CheckNulls(record, name, null, underscoreHasNulls: false);
                }
            }
        }

        /// <summary>
        /// The nulls of one array of a pair (values or <c>_</c>): each allowed only where the other array of the pair
        /// exists, holds primitives (values) and has something at the same index.
        /// </summary>
        private void CheckNulls(ArrayRecord record, ReadOnlySpan<byte> stem, ArrayRecord? other, bool underscoreHasNulls)
        {
            var nulls = scratch.Nulls;
            var values = underscoreHasNulls ? other : record;
            for (var n = record.NullStart; n < record.NullStart + record.NullCount; n++)
            {
                var index = nulls[n];
                var where = string.Create(CultureInfo.InvariantCulture, $"{Path(_depth)}.{Text(stem)}[{index}]");
                if (other is not { } partner || values is { HasContainers: true })
                {
                    Problem(where, $"null is not allowed here: FHIR JSON allows null only in the array of a repeating primitive element or in its _{Text(stem)} array, where the other array has something at the same index.");
                }
                else if (nulls.IndexOf(index, partner.NullStart, partner.NullCount) >= 0)
                {
                    Problem(where, $"{Text(stem)} and _{Text(stem)} are both null at index {index}; FHIR JSON allows null in one of them only where the other has something.");
                }
            }
        }

        private Dictionary<string, int> IndexByName(int recordStart)
        {
            var index = new Dictionary<string, int>(StringComparer.Ordinal);
            for (var i = recordStart; i < scratch.Records.Count; i++)
            {
                index.TryAdd(Encoding.UTF8.GetString(NameOf(scratch.Records[i].NameStart, scratch.Records[i].NameLength)), i);
            }
            return index;
        }

        private readonly ArrayRecord? Find(int recordStart, ReadOnlySpan<byte> stem, bool underscore)
        {
            var records = scratch.Records;
            if (_byName is { } byName)
            {
                var name = (underscore ? "_" : "") + Encoding.UTF8.GetString(stem);
                return byName.TryGetValue(name, out var at) ? records[at] : null;
            }
            for (var i = recordStart; i < records.Count; i++)
            {
                var name = NameOf(records[i].NameStart, records[i].NameLength);
                if (underscore ? name is [(byte)'_', ..] && name[1..].SequenceEqual(stem) : name.SequenceEqual(stem))
                {
                    return records[i];
                }
            }
            return null;
        }

        /// <summary>A property name's UTF-8 bytes: in the input, or copied when it was written with escapes.</summary>
        private readonly ReadOnlySpan<byte> NameOf(int start, int length) =>
            start >= 0 ? _json.Slice(start, length) : start == -1 ? default : scratch.Names[-2 - start];

        /// <summary>
        /// The FHIRPath of the value at <paramref name="depth"/> below the root (e.g. <c>.contained[0].name[1]</c>);
        /// a <c>_</c> property is named as its element. Only made for a problem.
        /// </summary>
        private readonly string Path(int depth)
        {
            var text = new StringBuilder();
            for (var d = 1; d <= depth; d++)
            {
                var frame = scratch.Frames[d];
                if (scratch.Frames[d - 1].IsArray)
                {
                    text.Append('[').Append(frame.Index).Append(']');
                    continue;
                }
                var name = NameOf(frame.NameStart, frame.NameLength);
                text.Append('.').Append(Text(name is [(byte)'_', _, ..] ? name[1..] : name));
            }
            return text.ToString();
        }

        private static string Items(int count) => count == 1 ? "1 item" : string.Create(CultureInfo.InvariantCulture, $"{count} items");

        private static string Text(ReadOnlySpan<byte> name) => MessageText.Value(Encoding.UTF8.GetString(name));

        /// <summary>Records a problem; past <see cref="MaxProblems"/> only counts them, so a hostile input cannot make the answer huge.</summary>
        private void Problem(string? path, string message)
        {
            _problems ??= [];
            if (_problems.Count < MaxProblems)
            {
                _problems.Add((path, message));
            }
            else
            {
                _moreProblems++;
            }
        }

        private static ValidationIssue Unreadable(string message) =>
            new(OperationOutcome.IssueSeverity.Fatal, IssueCodes.UnreadableInput, null, message, OperationOutcome.IssueType.Structure);

        private static string FirstSentence(string message) =>
            message.IndexOf(". ", StringComparison.Ordinal) is var end and > 0 ? message[..(end + 1)] : message;
    }
}
