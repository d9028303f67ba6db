using System.Collections.Immutable;

namespace CommunityModel.Conditions;

/// <summary>
/// Walks a condition without recursion for a validator: reports missing and empty compositions, too many
/// operands, too deep a nesting and a <see cref="Not"/> where none is allowed (codes <c>{prefix}.null</c>,
/// <c>{prefix}.empty</c>, <c>{prefix}.too-many</c>, <c>{prefix}.too-deep</c>, <c>{prefix}.not</c>), and hands
/// every leaf with its property path to the caller's check.
/// </summary>
internal static class ConditionWalk
{
    public static void Check(
        Condition? root,
        string rootPath,
        string codePrefix,
        bool allowNot,
        Action<string, string, string> fail,
        Action<Condition, string> leaf)
    {
        if (root is null)
        {
            return;
        }

        var stack = new Stack<(Condition? Condition, string Path, int Depth)>();
        stack.Push((root, rootPath, 0));
        while (stack.Count > 0)
        {
            var (c, path, depth) = stack.Pop();
            if (c is null)
            {
                fail(path, codePrefix + ".null", "A condition is missing.");
                continue;
            }

            if (depth > Condition.MaxDepth)
            {
                fail(path, codePrefix + ".too-deep", $"Conditions may nest at most {Condition.MaxDepth} levels.");
                continue;
            }

            switch (c)
            {
                case AllOf all:
                    Push(all.Conditions, path, depth, codePrefix, stack, fail);
                    break;
                case AnyOf any:
                    Push(any.Conditions, path, depth, codePrefix, stack, fail);
                    break;
                case Not not when !allowNot:
                    fail(path, codePrefix + ".not", "A 'not' is not accepted here: a tier condition must be reachable by what the member does.");
                    break;
                case Not not:
                    stack.Push((not.Condition, path + ".Condition", depth + 1));
                    break;
                default:
                    leaf(c, path);
                    break;
            }
        }
    }

    private static void Push(
        ImmutableArray<Condition> children,
        string path,
        int depth,
        string codePrefix,
        Stack<(Condition?, string, int)> stack,
        Action<string, string, string> fail)
    {
        if (children.IsDefaultOrEmpty)
        {
            fail(path, codePrefix + ".empty", "All-of and any-of need at least one condition.");
            return;
        }

        if (children.Length > Condition.MaxOperands)
        {
            fail(path, codePrefix + ".too-many", $"All-of and any-of hold at most {Condition.MaxOperands} conditions; this one holds {children.Length}.");
            return;
        }

        for (var i = children.Length - 1; i >= 0; i--)
        {
            stack.Push((children[i], $"{path}.Conditions[{i}]", depth + 1));
        }
    }
}
