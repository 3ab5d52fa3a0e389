using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace ServerlessScreening.Infra.Tests;

/// <summary>A resource declared somewhere in a compiled template (modules compile to nested templates).</summary>
/// <param name="Resource">The resource's JSON.</param>
/// <param name="Template">The (nested) template that declares it, for its variables and parameters.</param>
internal sealed record ArmResource(JsonObject Resource, JsonObject Template)
{
    public string Type => (string?)Resource["type"] ?? string.Empty;

    public JsonObject Properties => Resource["properties"]?.AsObject() ?? [];

    /// <summary>A reference to a resource declared elsewhere (Bicep <c>existing</c>), not a declaration.</summary>
    public bool IsExisting => (bool?)Resource["existing"] == true;

    /// <summary>
    /// The literal a property evaluates to when it is a literal or a plain <c>[variables('x')]</c> reference to a
    /// literal variable of the declaring template; otherwise the expression text itself.
    /// </summary>
    public string? Literal(JsonNode? node) => ArmTemplate.Literal(node, Template);
}

/// <summary>Reading compiled ARM JSON: every resource at any nesting depth, in either template language version.</summary>
internal static partial class ArmTemplate
{
    public static IEnumerable<ArmResource> Resources(JsonObject template)
    {
        var resources = template["resources"] switch
        {
            JsonArray array => array.OfType<JsonObject>(),
            JsonObject byName => byName.Select(p => p.Value).OfType<JsonObject>(),
            _ => [],
        };
        foreach (var resource in resources)
        {
            yield return new ArmResource(resource, template);
            if (resource["properties"]?["template"] is JsonObject nested)
            {
                foreach (var inner in Resources(nested))
                {
                    yield return inner;
                }
            }
        }
    }

    /// <summary>Resources of a type the template declares (references to existing resources left out).</summary>
    public static IEnumerable<ArmResource> OfType(JsonObject template, string type) =>
        Resources(template).Where(r => !r.IsExisting && string.Equals(r.Type, type, StringComparison.OrdinalIgnoreCase));

    /// <summary>Every template in the tree: the root and each module's nested template.</summary>
    public static IEnumerable<JsonObject> Templates(JsonObject template)
    {
        yield return template;
        foreach (var resource in Resources(template))
        {
            if (resource.Resource["properties"]?["template"] is JsonObject nested)
            {
                yield return nested;
            }
        }
    }

    /// <summary>Every string value anywhere in the JSON.</summary>
    public static IEnumerable<string> Strings(JsonNode? node)
    {
        switch (node)
        {
            case JsonObject obj:
                foreach (var property in obj)
                {
                    foreach (var s in Strings(property.Value))
                    {
                        yield return s;
                    }
                }

                break;
            case JsonArray array:
                foreach (var item in array)
                {
                    foreach (var s in Strings(item))
                    {
                        yield return s;
                    }
                }

                break;
            case JsonValue value when value.TryGetValue<string>(out var text):
                yield return text;
                break;
        }
    }

    public static string? Literal(JsonNode? node, JsonObject template)
    {
        if (node is not JsonValue value)
        {
            return node?.ToJsonString();
        }

        var text = value.TryGetValue<string>(out var s) ? s : value.ToJsonString();
        var reference = VariableReference().Match(text);
        return reference.Success && template["variables"]?[reference.Groups[1].Value] is JsonValue variable && variable.TryGetValue<string>(out var resolved)
            ? resolved
            : text;
    }

    [GeneratedRegex(@"^\[variables\('([^']+)'\)\]$")]
    private static partial Regex VariableReference();
}
