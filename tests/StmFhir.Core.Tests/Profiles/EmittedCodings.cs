using System.Collections;
using System.Reflection;
using System.Runtime.CompilerServices;
using Hl7.Fhir.Model;
using StmFhir.Core.Terminology;

namespace StmFhir.Core.Tests.Profiles;

/// <summary>Every coding <see cref="StmCodes"/> can emit, as (system, code, display).</summary>
/// <remarks>
/// Read by reflection over StmCodes' static fields (single Codings, LocalCode tables, Coding dictionaries) so that a
/// table added to StmCodes later is checked against profiles/ without anyone remembering to extend this list.
/// </remarks>
internal static class EmittedCodings
{
    public static IReadOnlyList<EmittedCoding> All { get; } = Collect();

    /// <summary>The codings of one system, distinct and ordered by code.</summary>
    public static IReadOnlyList<EmittedCoding> Of(string? system) =>
        [.. All.Where(c => c.System == system).Distinct().OrderBy(c => c.Code, StringComparer.Ordinal)];

    private static List<EmittedCoding> Collect()
    {
        var result = new List<EmittedCoding>();
        foreach (var field in typeof(StmCodes).GetFields(BindingFlags.Static | BindingFlags.Public | BindingFlags.NonPublic))
        {
            switch (field.GetValue(null))
            {
                case Coding coding:
                    result.Add(new(coding.System, coding.Code, coding.Display));
                    break;
                case IDictionary dictionary:
                    result.AddRange(dictionary.Values.OfType<Coding>().Select(c => new EmittedCoding(c.System, c.Code, c.Display)));
                    break;
                case { } table when table.GetType().IsGenericType && table.GetType().GetGenericTypeDefinition() == typeof(LocalCode<>):
                    var system = (string)table.GetType().GetProperty(nameof(LocalCode<StmFhir.Core.Sessions.Pressure>.System))!.GetValue(table)!;
                    var all = (IEnumerable)table.GetType().GetProperty(nameof(LocalCode<StmFhir.Core.Sessions.Pressure>.All))!.GetValue(table)!;
                    // Each item is a (Value, Code, Display) tuple.
                    result.AddRange(all.Cast<ITuple>().Select(t => new EmittedCoding(system, (string)t[1]!, (string?)t[2])));
                    break;
            }
        }
        return result;
    }
}

/// <summary>A coding the mapper writes.</summary>
internal sealed record EmittedCoding(string? System, string? Code, string? Display);
