// Each test class owns its server and database, so classes run in parallel.
[assembly: CollectionBehavior(CollectionBehavior.CollectionPerClass)]
