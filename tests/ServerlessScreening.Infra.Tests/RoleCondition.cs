using System.Text;

namespace ServerlessScreening.Infra.Tests;

/// <summary>A storage data request as Azure RBAC sees it when it evaluates a role-assignment condition.</summary>
/// <param name="Action">The data action, e.g. Microsoft.Storage/storageAccounts/blobServices/containers/blobs/read.</param>
/// <param name="SubOperation">The suboperation, e.g. Blob.List, or null.</param>
/// <param name="Attributes">Attribute values by their condition name, e.g. "@Resource[...containers:name]".</param>
internal sealed record DataRequest(string Action, string? SubOperation, IReadOnlyDictionary<string, string> Attributes)
{
    public const string BlobRead = "Microsoft.Storage/storageAccounts/blobServices/containers/blobs/read";
    public const string BlobWrite = "Microsoft.Storage/storageAccounts/blobServices/containers/blobs/write";
    public const string BlobAdd = "Microsoft.Storage/storageAccounts/blobServices/containers/blobs/add/action";
    public const string BlobDelete = "Microsoft.Storage/storageAccounts/blobServices/containers/blobs/delete";
    public const string ContainerName = "@Resource[Microsoft.Storage/storageAccounts/blobServices/containers:name]";
    public const string BlobPath = "@Resource[Microsoft.Storage/storageAccounts/blobServices/containers/blobs:path]";
    public const string ListPrefix = "@Request[Microsoft.Storage/storageAccounts/blobServices/containers/blobs:prefix]";

    /// <summary>An operation on one blob ("container/path/in/container").</summary>
    public static DataRequest OnBlob(string action, string blob)
    {
        var slash = blob.IndexOf('/', StringComparison.Ordinal);
        return new DataRequest(action, null, new Dictionary<string, string>(StringComparer.Ordinal)
        {
            [ContainerName] = blob[..slash],
            [BlobPath] = blob[(slash + 1)..],
        });
    }

    /// <summary>List Blobs in a container with a prefix (the blob path attribute does not exist for a list).</summary>
    public static DataRequest List(string container, string prefix) =>
        new(BlobRead, "Blob.List", new Dictionary<string, string>(StringComparer.Ordinal)
        {
            [ContainerName] = container,
            [ListPrefix] = prefix,
        });
}

/// <summary>
/// An evaluator for the subset of the Azure role-assignment condition language (conditionVersion 2.0) the site
/// conditions use, written from "Azure role assignment condition format and syntax": ActionMatches,
/// SubOperationMatches, @Resource/@Request attributes with StringEquals, StringStartsWith and StringLike, NOT/!,
/// AND/&amp;&amp;, OR/||, and parentheses (mixing AND and OR without parentheses is rejected, as the format requires).
/// It evaluates left to right with short-circuiting and fails on an attribute the request does not carry, so a
/// condition that would consult an attribute an operation does not have (blob path on a list) is caught.
/// It models the documented semantics; it is not Azure.
/// </summary>
internal sealed class RoleCondition
{
    private readonly Node _root;

    private RoleCondition(Node root) => _root = root;

    public static RoleCondition Parse(string text)
    {
        var parser = new Parser(Tokenize(text));
        var root = parser.ParseExpression();
        parser.ExpectEnd();
        return new RoleCondition(root);
    }

    public bool Allows(DataRequest request) => _root.Evaluate(request);

    private abstract record Node
    {
        public abstract bool Evaluate(DataRequest request);
    }

    private sealed record Not(Node Operand) : Node
    {
        public override bool Evaluate(DataRequest request) => !Operand.Evaluate(request);
    }

    private sealed record And(IReadOnlyList<Node> Operands) : Node
    {
        public override bool Evaluate(DataRequest request) => Operands.All(o => o.Evaluate(request));
    }

    private sealed record Or(IReadOnlyList<Node> Operands) : Node
    {
        public override bool Evaluate(DataRequest request) => Operands.Any(o => o.Evaluate(request));
    }

    private sealed record ActionMatches(string Pattern) : Node
    {
        public override bool Evaluate(DataRequest request) =>
            Pattern.EndsWith('*')
                ? request.Action.StartsWith(Pattern[..^1], StringComparison.OrdinalIgnoreCase)
                : string.Equals(request.Action, Pattern, StringComparison.OrdinalIgnoreCase);
    }

    private sealed record SubOperationMatches(string SubOperation) : Node
    {
        public override bool Evaluate(DataRequest request) => string.Equals(request.SubOperation, SubOperation, StringComparison.Ordinal);
    }

    private sealed record Comparison(string Attribute, string Operator, string Value) : Node
    {
        public override bool Evaluate(DataRequest request)
        {
            if (!request.Attributes.TryGetValue(Attribute, out var actual))
            {
                throw new InvalidOperationException($"The condition reads {Attribute}, which {request.Action} ({request.SubOperation ?? "no suboperation"}) does not carry.");
            }

            return Operator switch
            {
                "StringEquals" => string.Equals(actual, Value, StringComparison.Ordinal),
                "StringEqualsIgnoreCase" => string.Equals(actual, Value, StringComparison.OrdinalIgnoreCase),
                "StringStartsWith" => actual.StartsWith(Value, StringComparison.Ordinal),
                "StringStartsWithIgnoreCase" => actual.StartsWith(Value, StringComparison.OrdinalIgnoreCase),
                "StringLike" => Like(actual, Value),
                _ => throw new FormatException($"Operator {Operator} is not supported by this evaluator."),
            };
        }

        private static bool Like(string actual, string pattern)
        {
            var regex = new StringBuilder("^");
            foreach (var c in pattern)
            {
                regex.Append(c switch
                {
                    '*' => ".*",
                    '?' => ".",
                    _ => System.Text.RegularExpressions.Regex.Escape(c.ToString()),
                });
            }

            return System.Text.RegularExpressions.Regex.IsMatch(actual, regex.Append('$').ToString(), System.Text.RegularExpressions.RegexOptions.None, TimeSpan.FromSeconds(1));
        }
    }

    private enum TokenKind
    {
        Open,
        Close,
        Not,
        And,
        Or,
        Word,
        Braced,
        Attribute,
        Literal,
    }

    private readonly record struct Token(TokenKind Kind, string Text);

    private static List<Token> Tokenize(string text)
    {
        var tokens = new List<Token>();
        var i = 0;
        while (i < text.Length)
        {
            var c = text[i];
            if (char.IsWhiteSpace(c))
            {
                i++;
            }
            else if (c == '(' || c == ')')
            {
                tokens.Add(new Token(c == '(' ? TokenKind.Open : TokenKind.Close, c.ToString()));
                i++;
            }
            else if (c == '!')
            {
                tokens.Add(new Token(TokenKind.Not, "!"));
                i++;
            }
            else if (text.AsSpan(i).StartsWith("&&", StringComparison.Ordinal) || text.AsSpan(i).StartsWith("||", StringComparison.Ordinal))
            {
                tokens.Add(new Token(c == '&' ? TokenKind.And : TokenKind.Or, text.Substring(i, 2)));
                i += 2;
            }
            else if (c == '\'')
            {
                var end = text.IndexOf('\'', i + 1);
                if (end < 0)
                {
                    throw new FormatException($"Unterminated string at {i}.");
                }

                tokens.Add(new Token(TokenKind.Literal, text[(i + 1)..end]));
                i = end + 1;
            }
            else if (c == '{')
            {
                var end = text.IndexOf('}', i);
                var inner = text[(i + 1)..end].Trim();
                if (inner.Length < 2 || inner[0] != '\'' || inner[^1] != '\'' || inner[1..^1].Contains('\'', StringComparison.Ordinal))
                {
                    throw new FormatException($"Expected one quoted value in braces at {i}: {inner}");
                }

                tokens.Add(new Token(TokenKind.Braced, inner[1..^1]));
                i = end + 1;
            }
            else if (c == '@')
            {
                var end = text.IndexOf(']', i);
                tokens.Add(new Token(TokenKind.Attribute, text[i..(end + 1)]));
                i = end + 1;
            }
            else if (char.IsLetter(c))
            {
                var start = i;
                while (i < text.Length && (char.IsLetterOrDigit(text[i]) || text[i] == ':'))
                {
                    i++;
                }

                var word = text[start..i];
                tokens.Add(word switch
                {
                    "AND" => new Token(TokenKind.And, word),
                    "OR" => new Token(TokenKind.Or, word),
                    "NOT" => new Token(TokenKind.Not, word),
                    _ => new Token(TokenKind.Word, word),
                });
            }
            else
            {
                throw new FormatException($"Unexpected '{c}' at {i}.");
            }
        }

        return tokens;
    }

    private sealed class Parser(List<Token> tokens)
    {
        private int _position;

        public Node ParseExpression()
        {
            var operands = new List<Node> { ParseUnary() };
            TokenKind? joiner = null;
            while (Peek() is { Kind: TokenKind.And or TokenKind.Or } token)
            {
                if (joiner is not null && joiner != token.Kind)
                {
                    throw new FormatException("AND and OR are mixed without parentheses.");
                }

                joiner = token.Kind;
                _position++;
                operands.Add(ParseUnary());
            }

            return joiner switch
            {
                null => operands[0],
                TokenKind.And => new And(operands),
                _ => new Or(operands),
            };
        }

        public void ExpectEnd()
        {
            if (_position != tokens.Count)
            {
                throw new FormatException($"Unexpected '{tokens[_position].Text}' after the condition.");
            }
        }

        private Node ParseUnary()
        {
            var token = Next();
            switch (token.Kind)
            {
                case TokenKind.Not:
                    return new Not(ParseUnary());
                case TokenKind.Open:
                    var inner = ParseExpression();
                    Expect(TokenKind.Close);
                    return inner;
                case TokenKind.Word when token.Text == "ActionMatches":
                    return new ActionMatches(Expect(TokenKind.Braced).Text);
                case TokenKind.Word when token.Text == "SubOperationMatches":
                    return new SubOperationMatches(Expect(TokenKind.Braced).Text);
                case TokenKind.Attribute:
                    var op = Expect(TokenKind.Word).Text;
                    return new Comparison(token.Text, op, Expect(TokenKind.Literal).Text);
                default:
                    throw new FormatException($"Unexpected '{token.Text}'.");
            }
        }

        private Token? Peek() => _position < tokens.Count ? tokens[_position] : null;

        private Token Next() => _position < tokens.Count ? tokens[_position++] : throw new FormatException("The condition ends too early.");

        private Token Expect(TokenKind kind)
        {
            var token = Next();
            return token.Kind == kind ? token : throw new FormatException($"Expected {kind}, found '{token.Text}'.");
        }
    }
}
