using System.Collections.Frozen;
using System.Text.RegularExpressions;
using Newtonsoft.Json;
using ServerlessScreening.Text;

namespace ServerlessScreening.Vocabulary;

public sealed record AtcCode(string Code, string? Until = null, string? Since = null);

public sealed record DrugClassDefinition(string Id, string Display);

public sealed record AtcClassRule(string AtcPrefix, string Class, string? Note = null);

public sealed record ClinicalDrugMapping(string Rxcui, string Ingredient);

public sealed record IngredientDefinition
{
    public required string Id { get; init; }

    public IReadOnlyList<string> Classes { get; init; } = [];

    public IReadOnlyList<AtcCode> Atc { get; init; } = [];

    public IReadOnlyList<string> Rxnorm { get; init; } = [];

    public IReadOnlyList<string> Cvx { get; init; } = [];

    public IReadOnlyDictionary<string, IReadOnlyList<string>> Names { get; init; } = new Dictionary<string, IReadOnlyList<string>>();

    public IReadOnlyDictionary<string, IReadOnlyList<string>> Brands { get; init; } = new Dictionary<string, IReadOnlyList<string>>();

    public IReadOnlyList<string> Sources { get; init; } = [];
}

/// <summary>How a medication was resolved to an ingredient: by which code or name.</summary>
public sealed record DrugMatch(IngredientDefinition Ingredient, IReadOnlyList<string> Classes, string MatchedBy);

/// <summary>
/// What the catalogue makes of a medication: the ingredient when one matched, the classes the protocols select on, and
/// by what. <see cref="Ingredient"/> is null when only an ATC class rule recognised the code (J01DB04 falls under J01,
/// antibacterials): the code proves the class, and the ingredient is not in the catalogue, so it is not guessed.
/// </summary>
public sealed record DrugClassification(IngredientDefinition? Ingredient, IReadOnlyList<string> Classes, string MatchedBy);

/// <summary>
/// Ingredients and the drug classes the protocols need, loaded from <c>drugs.json</c>. Resolution prefers a code
/// (ATC current or historical, RxNorm ingredient or clinical drug, CVX) over a name; names match generic or brand
/// names in English or Chinese, exactly or, failing that, as the longest whole name inside a product description
/// such as <c>Amoxicillin 500 MG Oral Tablet</c> or <c>吗替麦考酚酯胶囊</c>.
/// </summary>
public sealed partial class DrugCatalog
{
    private readonly FrozenDictionary<string, IngredientDefinition> _byId;
    private readonly FrozenDictionary<string, IngredientDefinition> _byAtc;
    private readonly FrozenDictionary<string, IngredientDefinition> _byRxnorm;
    private readonly FrozenDictionary<string, IngredientDefinition> _byCvx;
    private readonly FrozenDictionary<string, IngredientDefinition> _byName;
    private readonly (string Key, IngredientDefinition Ingredient)[] _namesLongestFirst;
    private readonly FrozenDictionary<string, IReadOnlyList<string>> _classes;
    private readonly IReadOnlyList<AtcClassRule> _atcClassRules;

    // Exports repeat the same product descriptions; the search inside a description runs once per distinct text.
    private const int DescriptionCacheLimit = 100_000;
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, DrugMatch?> _descriptionCache = new(StringComparer.Ordinal);

    private DrugCatalog(DrugsFile file)
    {
        ClassDefinitions = file.Classes;
        Ingredients = file.Ingredients;
        _atcClassRules = file.AtcClassRules;
        _byId = file.Ingredients.ToFrozenDictionary(i => i.Id, StringComparer.Ordinal);
        _byAtc = file.Ingredients
            .SelectMany(i => i.Atc.Select(a => (a.Code, Ingredient: i)))
            .DistinctBy(x => x.Code, StringComparer.OrdinalIgnoreCase)
            .ToFrozenDictionary(x => x.Code, x => x.Ingredient, StringComparer.OrdinalIgnoreCase);
        _byRxnorm = file.Ingredients
            .SelectMany(i => i.Rxnorm.Select(r => (Code: r, Ingredient: i)))
            .Concat(file.RxnormClinicalDrugs
                .Where(m => _byId.ContainsKey(m.Ingredient))
                .Select(m => (Code: m.Rxcui, Ingredient: _byId[m.Ingredient])))
            .DistinctBy(x => x.Code, StringComparer.Ordinal)
            .ToFrozenDictionary(x => x.Code, x => x.Ingredient, StringComparer.Ordinal);
        _byCvx = file.Ingredients
            .SelectMany(i => i.Cvx.Select(c => (Code: NormalizeCvx(c), Ingredient: i)))
            .DistinctBy(x => x.Code, StringComparer.Ordinal)
            .ToFrozenDictionary(x => x.Code, x => x.Ingredient, StringComparer.Ordinal);
        var names = file.Ingredients
            .SelectMany(i => i.Names.Values.Concat(i.Brands.Values).SelectMany(n => n).Append(i.Id).Select(n => (Key: Keys.Name(n), Ingredient: i)))
            .Where(x => x.Key.Length > 0)
            .DistinctBy(x => x.Key)
            .ToArray();
        _byName = names.ToFrozenDictionary(x => x.Key, x => x.Ingredient, StringComparer.Ordinal);
        _namesLongestFirst = names.OrderByDescending(x => x.Key.Length).ThenBy(x => x.Key, StringComparer.Ordinal).ToArray();
        _classes = file.Ingredients.ToFrozenDictionary(
            i => i.Id,
            i => (IReadOnlyList<string>)i.Classes
                .Concat(file.AtcClassRules
                    .Where(rule => i.Atc.Any(a => a.Code.StartsWith(rule.AtcPrefix, StringComparison.OrdinalIgnoreCase)))
                    .Select(rule => rule.Class))
                .Distinct(StringComparer.Ordinal)
                .Order(StringComparer.Ordinal)
                .ToArray(),
            StringComparer.Ordinal);
    }

    public static DrugCatalog Default { get; } = LoadEmbedded();

    public IReadOnlyList<DrugClassDefinition> ClassDefinitions { get; }

    public IReadOnlyList<IngredientDefinition> Ingredients { get; }

    public static DrugCatalog Load(TextReader json)
    {
        var file = JsonSerializer.Create().Deserialize<DrugsFile>(new JsonTextReader(json))
            ?? throw new InvalidDataException("The drug catalogue is empty.");
        return new DrugCatalog(file);
    }

    public IngredientDefinition? FindIngredient(string id) => _byId.GetValueOrDefault(id);

    public IReadOnlyList<string> ClassesOf(IngredientDefinition ingredient) =>
        _classes.TryGetValue(ingredient?.Id ?? string.Empty, out var classes) ? classes : [];

    /// <summary>Resolves a medication or immunization by code first, then by name. Null when nothing in the catalogue matches.</summary>
    public DrugMatch? Resolve(string? code, string? codeSystem, string? name)
    {
        if (!string.IsNullOrWhiteSpace(code) && ResolveCode(code.Trim(), codeSystem) is { } byCode)
        {
            return byCode;
        }

        return string.IsNullOrWhiteSpace(name) ? null : ResolveName(name);
    }

    /// <summary>
    /// Classifies a medication for the protocols: as <see cref="Resolve"/> does, and, for an ATC code that no ingredient
    /// lists, by the class rules whose prefix it falls under. The code is preferred over the name, so a name resolves
    /// the ingredient only when that ingredient has every class the code proves; a name that contradicts its code
    /// (an immunosuppressant named beside an antibacterial's code) lends nothing, and the record keeps the code's
    /// classes alone. Null when neither the code nor the name is recognised.
    /// </summary>
    public DrugClassification? Classify(string? code, string? codeSystem, string? name)
    {
        var trimmed = string.IsNullOrWhiteSpace(code) ? null : code.Trim();
        if (trimmed is not null && ResolveCode(trimmed, codeSystem) is { } byCode)
        {
            return new DrugClassification(byCode.Ingredient, byCode.Classes, byCode.MatchedBy);
        }

        var byName = string.IsNullOrWhiteSpace(name) ? null : ResolveName(name);
        var rules = trimmed is null ? [] : AtcClassRulesCovering(trimmed, codeSystem);
        if (rules.Count == 0)
        {
            return byName is null ? null : new DrugClassification(byName.Ingredient, byName.Classes, byName.MatchedBy);
        }

        var ruleClasses = rules.Select(rule => rule.Class).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToArray();
        var byRule = $"ATC {trimmed!.ToUpperInvariant()} under class rule {string.Join(", ", rules.Select(rule => rule.AtcPrefix).Distinct(StringComparer.Ordinal))}";
        if (byName is not null && ruleClasses.All(byName.Classes.Contains))
        {
            return new DrugClassification(byName.Ingredient, byName.Classes, $"{byRule}, and {byName.MatchedBy}");
        }

        return new DrugClassification(null, ruleClasses, byRule);
    }

    /// <summary>
    /// The class rules whose prefix an ATC code falls under. A code counts as ATC when its system names ATC, or names
    /// nothing and the code has the shape of one (a letter, two digits, then optionally a letter, a letter and two
    /// digits), so that a local code is not taken for an ATC group by accident.
    /// </summary>
    private List<AtcClassRule> AtcClassRulesCovering(string code, string? codeSystem)
    {
        var system = codeSystem is null ? string.Empty : Keys.CachedName(codeSystem);
        if ((system.Length > 0 && !system.Contains("atc", StringComparison.Ordinal)) || !AtcShape().IsMatch(code))
        {
            return [];
        }

        return _atcClassRules.Where(rule => code.StartsWith(rule.AtcPrefix, StringComparison.OrdinalIgnoreCase)).ToList();
    }

    private DrugMatch? ResolveCode(string code, string? codeSystem)
    {
        var system = codeSystem is null ? string.Empty : Keys.CachedName(codeSystem);
        IngredientDefinition? found = null;
        string? by = null;
        if (system.Length == 0 || system.Contains("atc", StringComparison.Ordinal))
        {
            found = _byAtc.GetValueOrDefault(code);
            by = "ATC " + code;
        }

        if (found is null && (system.Length == 0 || system.Contains("rxnorm", StringComparison.Ordinal)))
        {
            found = _byRxnorm.GetValueOrDefault(code);
            by = "RxNorm " + code;
        }

        if (found is null && (system.Length == 0 || system.Contains("cvx", StringComparison.Ordinal)))
        {
            found = _byCvx.GetValueOrDefault(NormalizeCvx(code));
            by = "CVX " + code;
        }

        return found is null ? null : new DrugMatch(found, ClassesOf(found), by!);
    }

    private DrugMatch? ResolveName(string name)
    {
        var key = Keys.CachedName(name);
        if (_byName.TryGetValue(key, out var exact))
        {
            return new DrugMatch(exact, ClassesOf(exact), "name");
        }

        if (_descriptionCache.TryGetValue(key, out var cached))
        {
            return cached;
        }

        var match = FindNameInDescription(name, key);
        if (_descriptionCache.Count < DescriptionCacheLimit)
        {
            _descriptionCache.TryAdd(key, match);
        }

        return match;
    }

    // The longest catalogue name that stands in a product description: as a run of whole words in Latin script,
    // as a substring in CJK script (which has no word breaks).
    private DrugMatch? FindNameInDescription(string description, string key)
    {
        var words = WordBreak().Split(description.Normalize(System.Text.NormalizationForm.FormKC).ToLowerInvariant())
            .Where(w => w.Length > 0)
            .ToArray();
        foreach (var (candidate, ingredient) in _namesLongestFirst)
        {
            if (candidate.Length < 3)
            {
                continue;
            }

            var found = candidate.Any(c => c >= '\u3400')
                ? key.Contains(candidate, StringComparison.Ordinal)
                : key.Contains(candidate, StringComparison.Ordinal) && IsRunOfWords(words, candidate);
            if (found)
            {
                return new DrugMatch(ingredient, ClassesOf(ingredient), "name in description");
            }
        }

        return null;
    }

    private static bool IsRunOfWords(string[] words, string candidate)
    {
        for (var start = 0; start < words.Length; start++)
        {
            var length = 0;
            for (var end = start; end < words.Length && length < candidate.Length; end++)
            {
                if (string.CompareOrdinal(candidate, length, words[end], 0, words[end].Length) != 0)
                {
                    break;
                }

                length += words[end].Length;
                if (length == candidate.Length)
                {
                    return true;
                }
            }
        }

        return false;
    }

    private static string NormalizeCvx(string code) => code.Trim().TrimStart('0') is { Length: > 0 } trimmed ? trimmed : "0";

    [GeneratedRegex(@"[^\p{L}\p{Nd}]+")]
    private static partial Regex WordBreak();

    // ATC levels 2 to 5: J01, J01D, J01DB, J01DB04.
    [GeneratedRegex("^[A-Z][0-9]{2}(?:[A-Z](?:[A-Z](?:[0-9]{2})?)?)?$", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex AtcShape();

    private static DrugCatalog LoadEmbedded()
    {
        using var stream = typeof(DrugCatalog).Assembly.GetManifestResourceStream("ServerlessScreening.Vocabulary.drugs.json")
            ?? throw new InvalidOperationException("drugs.json is not embedded in the core assembly.");
        using var reader = new StreamReader(stream);
        return Load(reader);
    }

    private sealed record DrugsFile
    {
        public List<DrugClassDefinition> Classes { get; init; } = [];

        public List<AtcClassRule> AtcClassRules { get; init; } = [];

        public List<IngredientDefinition> Ingredients { get; init; } = [];

        public List<ClinicalDrugMapping> RxnormClinicalDrugs { get; init; } = [];
    }
}
