using System.Text;
using Hl7.Fhir.Model;

namespace StmFhir.Core.Validation.Input;

/// <summary>
/// The engine's own check that every resource of an instance is of a concrete resource type, before Firely walks it:
/// the reader refuses such input already (<see cref="FhirInput"/>), but the engine also validates resources built in
/// code, where a <see cref="DynamicResource"/> can claim any type name. In R4 a resource can sit only in
/// <c>contained</c>, a Bundle entry's <c>resource</c> and <c>response.outcome</c>, and a parameter's
/// <c>resource</c> (parts included), so only those are visited; a path is made only for a problem.
/// </summary>
internal static class ResourceTypeCheck
{
    // Deeper than any input the reader lets through; a built instance nested deeper is left to WalkGuard.
    private const int MaxDepth = 256;

    /// <summary>An error issue for each resource of <paramref name="root"/> that is not of a concrete type; null when there is none.</summary>
    public static List<ValidationIssue>? Problems(Resource root)
    {
        var walk = new Walk(root.TypeName);
        walk.Resource(root);
        return walk.Found;
    }

    private sealed class Walk(string root)
    {
        private readonly List<(string Name, int Index)> _path = [];

        public List<ValidationIssue>? Found { get; private set; }

        public void Resource(Resource resource)
        {
            if (!ResourceTypeNames.IsConcrete(resource))
            {
                (Found ??= []).Add(new ValidationIssue(OperationOutcome.IssueSeverity.Error, IssueCodes.UnreadableInput, Path(),
                    $"The resource's type {ResourceTypeNames.WhyNot(resource.TypeName)}; it was not validated.", OperationOutcome.IssueType.Structure));
                return;
            }
            if (_path.Count >= MaxDepth)
            {
                return;
            }
            Children(resource, "contained", null);
            if (resource is Bundle)
            {
                Children(resource, "entry", "resource");
                Children(resource, "entry", "response", "outcome");
            }
            else if (resource is Parameters)
            {
                Parameters(resource, "parameter");
            }
        }

        /// <summary>A value where a resource belongs; anything else there is the parser's and Firely's to report.</summary>
        private void Value(Base value)
        {
            if (value is Resource resource)
            {
                Resource(resource);
            }
        }

        private void Parameters(Base parent, string name)
        {
            Children(parent, name, "resource");
            if (_path.Count < MaxDepth && parent.TryGetValue(name, out var value))
            {
                ForEach(value, name, item => Parameters(item, "part"));
            }
        }

        /// <summary>The resources at <paramref name="name"/> (then <paramref name="child"/>, then <paramref name="grandchild"/>) of <paramref name="parent"/>.</summary>
        private void Children(Base parent, string name, string? child, string? grandchild = null)
        {
            if (!parent.TryGetValue(name, out var value))
            {
                return;
            }
            ForEach(value, name, item =>
            {
                if (child is null)
                {
                    Value(item);
                }
                else if (item.TryGetValue(child, out var inner))
                {
                    ForEach(inner, child, next =>
                    {
                        if (grandchild is null)
                        {
                            Value(next);
                        }
                        else if (next.TryGetValue(grandchild, out var last))
                        {
                            ForEach(last, grandchild, Value);
                        }
                    });
                }
            });
        }

        /// <summary>Each item of an element, read leniently (a list, or one value where a list belongs), with its place on the path.</summary>
        private void ForEach(object? value, string name, Action<Base> visit)
        {
            if (value is IReadOnlyList<Base> list)
            {
                for (var i = 0; i < list.Count; i++)
                {
                    Visit(list[i], name, i, visit);
                }
            }
            else if (value is Base single)
            {
                Visit(single, name, -1, visit);
            }
        }

        private void Visit(Base? item, string name, int index, Action<Base> visit)
        {
            if (item is null)
            {
                return;
            }
            _path.Add((name, index));
            visit(item);
            _path.RemoveAt(_path.Count - 1);
        }

        private string? Path()
        {
            if (_path.Count == 0)
            {
                return null;
            }
            var text = new StringBuilder(MessageText.Value(root));
            foreach (var (name, index) in _path)
            {
                text.Append('.').Append(name);
                if (index >= 0)
                {
                    text.Append('[').Append(index).Append(']');
                }
            }
            return text.ToString();
        }
    }
}
