using StmFhir.Exchange.Store;

namespace StmFhir.Gateway.Fhir;

/// <summary>Route constraint: a resource type the store keeps (Patient, Procedure, Observation, ...).</summary>
internal sealed class StoredTypeConstraint : IRouteConstraint
{
    public const string Name = "stored";

    public bool Match(HttpContext? httpContext, IRouter? route, string routeKey, RouteValueDictionary values, RouteDirection routeDirection) =>
        values.TryGetValue(routeKey, out var value) && value is string type && SearchParameterCatalog.IsSupported(type);
}
