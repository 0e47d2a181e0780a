-- dsplang language server, Neovim 0.7: one client, attached to every dsp buffer.
local dsp_client_id
vim.api.nvim_create_autocmd("FileType", {
  pattern = "dsp",
  callback = function(args)
    if not dsp_client_id or not vim.lsp.get_client_by_id(dsp_client_id) then
      dsp_client_id = vim.lsp.start_client({
        name = "dsp",
        cmd = { "dsp", "lsp" },
        root_dir = vim.fn.getcwd(),
      })
    end
    if dsp_client_id then
      vim.lsp.buf_attach_client(args.buf, dsp_client_id)
    end
  end,
})
