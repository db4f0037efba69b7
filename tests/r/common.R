## common.R -- what the fixture generators in tests/r/ share: the JSON writer and capture().
##
## jsonlite's toJSON caps numbers at 15 significant digits, which does not
## round-trip; here every number is written with "%.17g" and checked to read
## back exactly. Conventions: named list -> object; unnamed list -> array;
## atomic vector wrapped in I() -> array; other atomic vector of length 1 ->
## scalar; NULL / NA / NaN / Inf -> null. Strings are escaped by jsonlite.
## Each generator loads it with source(file.path("tests", "r", "common.R")).

json_num <- function(x) {
  if (is.na(x) || !is.finite(x)) return("null")
  s <- sprintf("%.17g", x)
  stopifnot(as.numeric(s) == x)
  s
}
json_str <- function(x) {
  if (is.na(x)) return("null")
  as.character(jsonlite::toJSON(enc2utf8(x), auto_unbox = TRUE))
}
json_scalar <- function(x) {
  if (is.logical(x)) return(if (is.na(x)) "null" else if (x) "true" else "false")
  if (is.numeric(x)) return(json_num(x))
  json_str(as.character(x))
}
to_json <- function(x, indent = 0L) {
  pad <- strrep("  ", indent)
  pad1 <- strrep("  ", indent + 1L)
  if (is.null(x)) return("null")
  if (is.list(x)) {
    if (length(x) == 0L) return(if (is.null(names(x))) "[]" else "{}")
    items <- vapply(x, to_json, character(1), indent = indent + 1L)
    if (!is.null(names(x))) {
      items <- paste0(vapply(names(x), json_str, character(1)), ": ", items)
      return(paste0("{\n", pad1, paste(items, collapse = paste0(",\n", pad1)), "\n", pad, "}"))
    }
    return(paste0("[\n", pad1, paste(items, collapse = paste0(",\n", pad1)), "\n", pad, "]"))
  }
  if (inherits(x, "AsIs") || length(x) != 1L) {
    x <- unclass(x)
    return(paste0("[", paste(vapply(seq_along(x), function(i) json_scalar(x[[i]]), character(1)), collapse = ", "), "]"))
  }
  json_scalar(x)
}

## Evaluate an expression, collecting warnings and messages instead of printing them;
## an error is returned as a condition (its message in $error).
capture <- function(expr) {
  warns <- character(0)
  msgs <- character(0)
  val <- withCallingHandlers(
    tryCatch(expr, error = function(e) e),
    warning = function(w) {
      warns <<- c(warns, conditionMessage(w))
      invokeRestart("muffleWarning")
    },
    message = function(m) {
      msgs <<- c(msgs, sub("\n$", "", conditionMessage(m)))
      invokeRestart("muffleMessage")
    })
  list(value = val, error = if (inherits(val, "error")) conditionMessage(val) else NULL,
       warnings = warns, messages = msgs)
}
