-- dsplang: the `dsp` filetype for .dsp files (Neovim 0.7+). Faust programs and Microsoft
-- Developer Studio projects use .dsp too: the first lines decide.
local function dsp_filetype(bufnr)
  for _, line in ipairs(vim.api.nvim_buf_get_lines(bufnr, 0, 60, false)) do
    if line:find("^# Microsoft Developer Studio") or line:find("^!MESSAGE ") or line:find("^# PROP ") then
      return "make"
    end
    if line:find("^%s*process%s*=") or line:find('^%s*import%s*%(%s*"') or line:find('^%s*declare%s+[%w_]+%s+"') then
      return "faust"
    end
    if line:find("^%s*signature%s+[%a_][%w_]*%s*[:=]") or line:find("^%s*module%s+[%a_]")
        or line:find("^%s*let%s+[%a_]") or line:find("^%s*use%s+[%a_]") or line:find('^%s*import%s+"') then
      return "dsp"
    end
  end
  return "dsp"
end

if vim.fn.has("nvim-0.8") == 1 then
  vim.filetype.add({
    extension = {
      dsp = function(_, bufnr)
        return bufnr and dsp_filetype(bufnr) or "dsp"
      end,
    },
  })
else -- 0.7: Lua filetype detection is off by default, so set it after reading the file
  vim.api.nvim_create_autocmd({ "BufRead", "BufNewFile" }, {
    pattern = "*.dsp",
    callback = function(args)
      vim.api.nvim_buf_set_option(args.buf, "filetype", dsp_filetype(args.buf))
    end,
  })
end
