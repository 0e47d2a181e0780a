-- Used by tests/editors/test_neovim.py after a recipe: waits (DSP_TEST_WAIT_MS) for the
-- diagnostics of the current buffer, then opens the files of DSP_TEST_OTHER_FILES (separated
-- by newlines) to record their filetypes, writes a JSON report to DSP_TEST_OUT and quits.
local buf = vim.api.nvim_get_current_buf()
local wait_ms = tonumber(vim.env.DSP_TEST_WAIT_MS) or 20000
local got = vim.wait(wait_ms, function()
  return #vim.diagnostic.get(buf) > 0
end, 50)

local function client_names(bufnr)
  local clients
  if vim.lsp.get_clients then
    clients = vim.lsp.get_clients({ bufnr = bufnr })
  else
    clients = vim.lsp.buf_get_clients(bufnr)
  end
  local names = {}
  for _, client in pairs(clients) do
    table.insert(names, client.name)
  end
  return names
end

local diagnostics = {}
for _, d in ipairs(vim.diagnostic.get(buf)) do
  table.insert(diagnostics, { lnum = d.lnum, col = d.col, message = d.message, severity = d.severity, source = d.source })
end
local report = {
  version = tostring(vim.version().major) .. "." .. vim.version().minor .. "." .. vim.version().patch,
  filetype = vim.bo[buf].filetype,
  waited = got,
  clients = client_names(buf),
  diagnostics = diagnostics,
  others = {},
}
-- DSP_TEST_CAPTURES: "ROW:COL ROW:COL ..." (0-based) positions whose tree-sitter captures to record.
if vim.env.DSP_TEST_CAPTURES then
  report.highlighter = vim.treesitter.highlighter.active[buf] ~= nil
  report.captures = {}
  for row, col in vim.env.DSP_TEST_CAPTURES:gmatch("(%d+):(%d+)") do
    local names = {}
    for _, capture in ipairs(vim.treesitter.get_captures_at_pos(buf, tonumber(row), tonumber(col))) do
      table.insert(names, capture.capture)
    end
    report.captures[row .. ":" .. col] = names
  end
end
for file in (vim.env.DSP_TEST_OTHER_FILES or ""):gmatch("[^\n]+") do
  vim.cmd("edit " .. vim.fn.fnameescape(file))
  report.others[file] = vim.bo.filetype
end
vim.fn.writefile({ vim.fn.json_encode(report) }, vim.env.DSP_TEST_OUT)
vim.cmd("qa!")
