//! `mwtrace sql SNAPSHOT` on a terminal: the interactive prompt (statements over several lines,
//! dot commands, the same refusals as a one-shot query, a history kept between sessions), and
//! tables cut to the terminal's width.

use crate::common::*;

/// The one value a query returns, as text.
fn value(env: &Env, sample: &str, query: &str) -> String {
    let out = env.run(&["sql", sample, query, "-o", "csv"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    stdout(&out).lines().nth(1).unwrap().to_string()
}

fn loaded_sample(env: &Env) -> String {
    let sample = sample_bundle();
    let out = env.run(&["info", sample.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    sample.display().to_string()
}

#[test]
fn the_prompt_runs_statements_and_dot_commands_and_keeps_its_history() {
    let env = Env::new();
    let sample = loaded_sample(&env);
    let works = value(&env, &sample, "SELECT count(*) FROM resources");
    let state = env.path("state");
    let state = state.to_str().unwrap();
    let typed = "\
        SELECT count(*) AS bundles\n  FROM resources;\n\
        .tables\n\
        .schema consumers\n\
        .mode csv\n\
        SELECT 41 + 1 AS answer;\n\
        DROP TABLE resources;\n\
        SELECT * FROM no_such_table;\n\
        .nope\n\
        .quit\n";
    let shown = Terminal::new(&env)
        .vars(&[("XDG_STATE_HOME", state), ("NO_COLOR", "1")])
        .input(typed)
        .run(&format!("sql {sample} --no-pager"));
    assert!(shown.contains("read-only; .help for commands"), "{shown}");
    // The statement over two lines ran once, as a table.
    let count_row = shown
        .lines()
        .find(|l| l.starts_with('│') && l.contains(&format!(" {works} ")));
    assert!(count_row.is_some(), "no row with {works} bundles:\n{shown}");
    // .tables lists tables with their rows and views as views; .schema one table's columns.
    assert!(
        shown
            .lines()
            .any(|l| l.starts_with("consumers") && l.ends_with(" row")),
        "{shown}"
    );
    assert!(
        shown
            .lines()
            .any(|l| l.starts_with("resources") && l.ends_with("view")),
        "{shown}"
    );
    assert!(shown.contains("consumers ("), "{shown}");
    // .mode csv applies to what follows.
    assert!(shown.contains("answer\n42\n"), "{shown}");
    // Refusals and errors are reported and the prompt goes on.
    assert!(
        shown.contains("DROP TABLE resources;") && shown.contains("read-only mode"),
        "{shown}"
    );
    assert!(shown.contains("no_such_table"), "{shown}");
    assert!(shown.contains("error: unknown command .nope"), "{shown}");
    // The history holds the statements as typed, for the next session.
    let history = std::fs::read_to_string(env.path("state/mwtrace/sql_history")).unwrap();
    assert!(history.contains("SELECT 41 + 1 AS answer;"), "{history}");
    assert!(history.contains(".schema consumers"), "{history}");
    let again = Terminal::new(&env)
        .vars(&[("XDG_STATE_HOME", state)])
        .input(".quit\n")
        .run(&format!("sql {sample} --no-pager"));
    let kept = std::fs::read_to_string(env.path("state/mwtrace/sql_history")).unwrap();
    assert!(kept.contains("SELECT 41 + 1 AS answer;"), "{again}\n{kept}");
}

#[test]
fn the_prompt_writes_to_the_terminal_only() {
    let env = Env::new();
    let sample = loaded_sample(&env);
    let out = env.path("result.csv");
    let shown = Terminal::new(&env)
        .input(".quit\n")
        .run(&format!("sql {sample} --out {}", out.display()));
    assert!(
        shown.contains("the interactive prompt writes to the terminal"),
        "{shown}"
    );
    assert!(!out.exists());
}

#[test]
fn a_wide_table_shows_the_columns_that_fit_the_terminal() {
    let env = Env::new();
    let sample = loaded_sample(&env);
    let rows = value(&env, &sample, "SELECT count(*) FROM objects");
    let columns = value(
        &env,
        &sample,
        "SELECT count(*) FROM duckdb_columns() WHERE table_name = 'objects'",
    );
    let shown = Terminal::new(&env)
        .columns(80)
        .vars(&[("NO_COLOR", "1")])
        .run(&format!(
            "sql {sample} 'SELECT * FROM objects ORDER BY name' --no-pager"
        ));
    let table: Vec<&str> = shown.lines().filter(|l| !l.is_empty()).collect();
    for line in &table {
        assert!(
            line.chars().count() <= 80,
            "{} > 80: {line}\n{shown}",
            line.chars().count()
        );
    }
    // The first and the last columns, and a marker for those between.
    let last = value(
        &env,
        &sample,
        "SELECT column_name FROM duckdb_columns() WHERE table_name = 'objects'
         ORDER BY column_index DESC LIMIT 1",
    );
    let header = table.iter().find(|l| l.contains("cluster")).unwrap();
    assert!(
        header.contains(&format!(" {last} ")) && header.contains('…'),
        "{shown}"
    );
    let footer = table.last().unwrap();
    assert!(
        footer.starts_with(&format!("({rows} rows, "))
            && footer.contains(&format!(" of {columns} columns shown")),
        "{footer}"
    );
    // Wide enough, every column.
    let wide = Terminal::new(&env).columns(250).run(&format!(
        "sql {sample} 'SELECT kind, name FROM objects ORDER BY name' --no-pager"
    ));
    assert!(wide.contains(&format!("({rows} rows)")), "{wide}");
}
