namespace StmFhir.Exchange.Push;

/// <summary>
/// How a delivery's writes are cut into transactions within the target's limits (entries in all, and entries when some
/// are conditional, as the target has shown them): in plan order, a write the plan sends last starting a part of its
/// own, and the first part keeping room for the reads of the remembered people.
/// </summary>
internal static class TransactionParts
{
    /// <summary>The parts, in order; <paramref name="reservedInFirst"/> entries of the first are left for the people's reads.</summary>
    public static List<List<PlannedWrite>> Of(IEnumerable<PlannedWrite> pending, int reservedInFirst, (int Plain, int Conditional) limits)
    {
        var (plainLimit, conditionalLimit) = limits;
        var parts = new List<List<PlannedWrite>>();
        var current = new List<PlannedWrite>();
        var conditional = false;
        foreach (var item in pending)
        {
            var nextConditional = conditional || item.IsConditional;
            var reserved = parts.Count == 0 ? reservedInFirst : 0;
            if (item.SendLast || (current.Count > 0 && current.Count + 1 + reserved > (nextConditional ? conditionalLimit : plainLimit)))
            {
                if (current.Count > 0)
                {
                    parts.Add(current);
                }
                current = [];
                nextConditional = item.IsConditional;
            }
            current.Add(item);
            conditional = nextConditional;
        }
        if (current.Count > 0)
        {
            parts.Add(current);
        }
        return parts;
    }
}
