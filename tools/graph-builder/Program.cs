return Neq.GraphBuilderTool.Cli.Run(args, Console.Out, Console.Error);
