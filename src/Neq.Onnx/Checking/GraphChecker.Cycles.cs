namespace Neq.Onnx.Checking;

public static partial class GraphChecker
{
    const int MaxNodesInCycleMessage = 8;

    sealed partial class Run
    {
        /// <summary>
        /// Reports each cycle once: a strongly connected component of more than one node, or a
        /// node that reads its own output. The message walks one cycle through the component.
        /// </summary>
        void ReportCycles(Body b, List<int>[] succ, int[] component, string[] labels)
        {
            var members = new Dictionary<int, List<int>>();
            for (int v = 0; v < component.Length; v++)
            {
                if (!members.TryGetValue(component[v], out var list)) members[component[v]] = list = [];
                list.Add(v);
            }
            foreach (var group in members.Values.OrderBy(g => g[0]))
            {
                if (group.Count == 1 && !succ[group[0]].Contains(group[0])) continue;
                var path = CyclePath(group[0], succ, component);
                var names = path.Take(MaxNodesInCycleMessage).Select(v => Display(labels[v], b.Nodes[v])).ToList();
                if (path.Count > MaxNodesInCycleMessage) names.Add($"… ({path.Count - MaxNodesInCycleMessage} more)");
                names.Add(Display(labels[path[0]], b.Nodes[path[0]]));
                Error(CheckCodes.Cycle, labels[group[0]],
                    $"Nodes of {b.Kind} form a cycle, each reading an output of the one before: {string.Join(" → ", names)}.");
            }
        }

        /// <summary>A shortest cycle from <paramref name="start"/> back to itself within its component (BFS).</summary>
        static List<int> CyclePath(int start, List<int>[] succ, int[] component)
        {
            var parent = new Dictionary<int, int>();
            var queue = new Queue<int>();
            queue.Enqueue(start);
            while (queue.Count > 0)
            {
                int v = queue.Dequeue();
                foreach (var w in succ[v])
                {
                    if (component[w] != component[start]) continue;
                    if (w == start)
                    {
                        var path = new List<int> { v };
                        while (path[^1] != start) path.Add(parent[path[^1]]);
                        path.Reverse();
                        return path;
                    }
                    if (parent.TryAdd(w, v)) queue.Enqueue(w);
                }
            }
            return [start]; // unreachable for a real cycle
        }
    }

    /// <summary>Tarjan's strongly connected components, iteratively (graphs may be deep).</summary>
    static int[] StronglyConnectedComponents(List<int>[] succ)
    {
        int n = succ.Length, next = 0, count = 0;
        var index = new int[n];
        var low = new int[n];
        var component = new int[n];
        var onStack = new bool[n];
        Array.Fill(index, -1);
        var stack = new Stack<int>();
        var calls = new Stack<(int Node, int Edge)>();
        for (int s = 0; s < n; s++)
        {
            if (index[s] >= 0) continue;
            Visit(s);
            while (calls.Count > 0)
            {
                var (v, e) = calls.Pop();
                if (e < succ[v].Count)
                {
                    calls.Push((v, e + 1));
                    int w = succ[v][e];
                    if (index[w] < 0) Visit(w);
                    else if (onStack[w]) low[v] = Math.Min(low[v], index[w]);
                    continue;
                }
                if (low[v] == index[v])
                {
                    int w;
                    do { w = stack.Pop(); onStack[w] = false; component[w] = count; } while (w != v);
                    count++;
                }
                if (calls.Count > 0)
                {
                    int u = calls.Peek().Node;
                    low[u] = Math.Min(low[u], low[v]);
                }
            }
        }
        return component;

        void Visit(int v)
        {
            index[v] = low[v] = next++;
            stack.Push(v);
            onStack[v] = true;
            calls.Push((v, 0));
        }
    }
}
